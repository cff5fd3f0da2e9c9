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

let private dataInfo (args: ParseResults<InfoArgs>) =
    let name = parseDataset (args.GetResult InfoArgs.Name)
    let opts =
        { DataSets.defaultLoad with
            NettalkDir = args.TryGetResult InfoArgs.Nettalk_Dir
            IdxDir = args.TryGetResult InfoArgs.Idx_Dir
            DvsDir = args.TryGetResult InfoArgs.Dvs_Dir
            DvsFraming = DvsFraming(DataSets.dvsFrames (args.GetResult(InfoArgs.Dvs_Frames, 100)), Nullable())
            DvsEncoding = args.TryGetResult InfoArgs.Dvs_Encoding |> Option.map DataSets.parseDvsEncoding |> Option.defaultValue DataSets.defaultLoad.DvsEncoding
            NettalkFullTest = args.Contains InfoArgs.Full_Test }
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
            let extra = e.Extra |> List.filter (fun (k, _) -> k.Contains "Phoneme") |> List.map (fun (k, v) -> $"  {k} {v:F4}") |> String.concat ""
            printfn "epoch %3d  train acc %.4f  test acc %.4f  test err %.4f  %7.1f s  %.3e ops%s"
                e.Epoch e.TrainAccuracy e.TestAccuracy e.TestError e.Seconds (float e.SynapticOps) extra

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

let private train (a: ParseResults<TrainArgs>) =
    let family, args = familyOf (a.GetSubCommand())
    let layers = a.TryGetResult TrainArgs.Layers
    match layers with
    | Some n when n < 3 -> invalidArg "layers" $"--layers counts input and output too and must be at least 3, got {n}"
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
          Experiment.CommonArgs.CheckInvariants = a.Contains TrainArgs.Check_Invariants }
    let e = family.OfArgs common args
    // refuse a bad configuration before any data is loaded
    match Experiment.problems e with
    | [] -> ()
    | ps -> invalidArg "train" (String.Join("; ", ps))
    let dataset, trainSize, testSize = Experiment.data e
    let load =
        { DataSets.defaultLoad with
            NettalkDir = a.TryGetResult TrainArgs.Nettalk_Dir
            NettalkFullTest = a.Contains TrainArgs.Full_Test
            IdxDir = a.TryGetResult TrainArgs.Idx_Dir
            DvsDir = a.TryGetResult TrainArgs.Dvs_Dir
            DvsFraming = DvsFraming(DataSets.dvsFrames (a.GetResult(TrainArgs.Dvs_Frames, 100)), Nullable())
            DvsEncoding = a.TryGetResult TrainArgs.Dvs_Encoding |> Option.map DataSets.parseDvsEncoding |> Option.defaultValue e.Model.DvsEncoding
            TrainSize = trainSize
            TestSize = testSize }
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
    ensureData dataset
    let split = DataSets.load load dataset
    let resolved = Experiment.resolve e
    printfn "%s (experiment %s): train %d / test %d, batch %d, seed %d" (Experiment.label e) eid split.Train.Count split.Test.Count resolved.BatchSize (Experiment.seed e)
    let record, _ = resolved.Train split Environment.ProcessorCount Threading.CancellationToken.None (progressBar (a.Contains TrainArgs.Quiet))
    let record =
        { record with
            GitCommit = Git.current.Value
            Config = record.Config @ [ "experimentId", RunRecord.Text eid ] }
    let layers = record.Config |> List.tryFind (fst >> (=) "layers") |> Option.map (snd >> function RunRecord.Items xs -> xs |> List.map (function RunRecord.Int i -> string i | _ -> "?") | _ -> [])
    layers |> Option.iter (fun l -> printfn "layers %s" (String.Join("-", l)))
    RunRecord.write path record
    printfn "run record: %s" path
    match record.Status with
    | RunRecord.Completed -> 0
    | RunRecord.Failed reason -> fail reason

/// Splits "key=v1,v2" into the key and its values.
let private keyValues (option: string) (text: string) =
    match text.IndexOf '=' with
    | i when i > 0 && i < text.Length - 1 ->
        text.Substring(0, i).Trim(), text.Substring(i + 1).Split(',', StringSplitOptions.RemoveEmptyEntries) |> List.ofArray
    | _ -> invalidArg option $"{option} expects key=value[,value...], got '{text}'"

/// The grid a `sbp sweep <family>` command line describes: the family's defaults, each --set in order, the product
/// of the --vary values, then the replicates. The same combinators an fsi script calls, so equal grids get equal ids.
let sweepGrid (family: Experiment.Registered) (a: ParseResults<SweepArgs>) =
    let name = a.GetResult SweepArgs.Name
    // the grid's folder is <results>/<name>: refused before anything else when it would lie elsewhere
    if (Grid.nameProblem name).IsSome then invalidArg "name" $"--name expects a grid name, {Grid.nameRule}; got '{name}'"
    let orFail r = match r with Ok x -> x | Error m -> invalidArg "sweep" m
    let setAll (key: string) (value: string) (es: Experiment.Experiment list) = es |> List.map (fun e -> family.Set key value e |> orFail)
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
                  for v in values -> family.Set key v e |> orFail ]) based
    let compared = a.GetResults SweepArgs.Compare
    for k in compared do
        if not (family.Keys |> List.exists (fun (n, _) -> n = k)) then
            invalidArg "compare" $"""unknown key '{k}' for {family.Name}; valid keys: {String.Join(", ", family.Keys |> List.map fst)}"""
    let experiments =
        match a.TryGetResult SweepArgs.Seeds with
        | Some n -> Grid.pairedSeeds compared n varied
        | None -> varied
    Grid.create name experiments

let private sweep (o: ParseResults<SweepArgs>) =
    let grid = sweepGrid (familyNamed (o.GetResult SweepArgs.Family)) o
    for d in grid.Experiments |> List.map (fun e -> e.Model.Dataset) |> List.distinct do ensureData d
    Script.execute
        { Shard = o.TryGetResult SweepArgs.Shard |> Option.map Grid.parseShard
          Parallel = o.TryGetResult SweepArgs.Parallel
          Results = o.TryGetResult SweepArgs.Results
          Table = not (o.Contains SweepArgs.No_Table)
          CostCap = o.TryGetResult SweepArgs.Cost_Cap
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
    printfn "reproduce: symmetric STDP vs SBP on %s, %s%d training / %d test samples, %d epoch(s), %d paired seeds; grid %s"
        (DataSets.nameOf dataset) what split.Train.Count split.Test.Count epochs seeds grid.Name
    Script.execute
        { Shard = None
          Parallel = a.TryGetResult ReproduceArgs.Parallel
          Results = a.TryGetResult ReproduceArgs.Results
          Table = true
          CostCap = None
          Command = Invocations.commandText "sbp" (Environment.GetCommandLineArgs() |> Array.skip 1) }
        grid

let private table (a: ParseResults<TableArgs>) =
    let root = resultsRoot (a.TryGetResult TableArgs.Results)
    let grid = a.GetResult Grid_Name
    // tables and plots are written into <results>/<grid> only: refused before anything is read or written when the
    // name would lead elsewhere (a linked grid or plots folder is refused by Tables.write)
    if (Grid.nameProblem grid).IsSome then invalidArg "grid" $"table <grid> expects a grid name, {Grid.nameRule}; got '{grid}'"
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
        match args.GetSubCommand() with
        | Reproduce r -> reproduce r
        | Table t -> table t
        | Report r -> report r
        | Data d ->
            match d.GetSubCommand() with
            | Fetch f -> dataFetch f
            | Info i -> dataInfo i
        | Train t -> train t
        | Sweep w -> sweep w
        | Bench b -> bench b
        | Version -> fail "--version takes no verb"
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        printfn "%s" e.Message
        0
    | :? ArguParseException as e -> fail (Usage.oneLine e.Message)
    | :? DataException as e -> fail e.Message
    | :? TrainingDivergedException as e -> fail e.Message
    | :? ArgumentException as e -> fail (e.Message.Replace($" (Parameter '{e.ParamName}')", ""))
    | :? IO.FileNotFoundException as e -> fail e.Message
    | :? IO.DirectoryNotFoundException as e -> fail e.Message
    | :? IO.InvalidDataException as e -> fail e.Message
    | :? IO.IOException as e -> fail e.Message
    | :? UnauthorizedAccessException as e -> fail e.Message
    | Failure m -> fail m
