/// Runs a grid: experiments in parallel up to the core count, each finished one written atomically as
/// results/<grid>/<id>/run.json; a rerun skips finished experiments, so an interrupted grid (even by kill -9)
/// resumes without losing or duplicating a record.
module Sbp.Experiments.Runner

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open System.Threading
open System.Threading.Tasks
open Sbp.Core.Data
open Sbp.Experiments.Experiment
open Sbp.Experiments.Grid
open Sbp.Experiments.RunRecord

type Options =
    { /// The results folder (the edge decides it; the library never guesses one).
      Root: string
      /// Experiments run at once (default: the core count).
      Parallel: int
      Shard: (int * int) option
      /// Where user-supplied data sets are.
      Load: DataSets.LoadOptions
      /// A live display of the running experiments (only when the output is a terminal; plain lines otherwise).
      Live: bool
      Log: string -> unit
      /// The code's git commit, gathered by the edge (the CLI or a script) and written into every record.
      GitCommit: string }

/// Options writing under `root`, as many runs at once as cores, live status on a terminal, no git commit.
let defaults (root: string) =
    { Root = root
      Parallel = Environment.ProcessorCount
      Shard = None
      Load = DataSets.defaultLoad
      Live = not Console.IsOutputRedirected
      Log = printfn "%s"
      GitCommit = "unknown" }

type Outcome =
    | Finished of Record
    /// The experiment's data set is not provisioned: nothing is written, a later run picks it up.
    | NoData of string

let recordPath (root: string) (grid: string) (e: Experiment) = Path.Combine(root, grid, Experiment.id e, "run.json")
let artifactsPath (root: string) (grid: string) (e: Experiment) = Path.Combine(root, grid, Experiment.id e, "artifacts.json")

/// A record counts as finished only when it exists and parses whole (a crash leaves at most a temporary file).
let isFinished (path: string) =
    File.Exists path
    && (try
            read path |> ignore
            true
        with _ -> false)

/// The data of one experiment, loaded once per distinct split and shared between experiments.
type private DataCache(load: DataSets.LoadOptions) =
    let cache = ConcurrentDictionary<string, Lazy<DataSplit>>()
    member _.Get(name: DataSets.DataSetName, train: int option, test: int option, dvs: DvsEncoding) =
        let key = $"{DataSets.nameOf name}/{train}/{test}/{dvs}"
        cache.GetOrAdd(key, fun _ -> lazy (DataSets.load { load with TrainSize = train; TestSize = test; DvsEncoding = dvs } name)).Value

/// Runs one experiment to its record and artifacts (written atomically, artifacts first).
let private runOne (o: Options) (threads: int) (grid: string) (data: DataCache) (display: LiveDisplay.IDisplay) (name: string) (e: Experiment) =
    let eid = Experiment.id e
    let dataset, trainSize, testSize = Experiment.data e
    match (try Ok(data.Get(dataset, trainSize, testSize, e.Model.DvsEncoding)) with :? DataNotProvisionedException as x -> Error x.Message) with
    | Error m -> NoData m
    | Ok split ->
        let report r =
            match r with
            | Training.Batch(epoch, epochs, stage, finished, total) ->
                // training is most of an epoch; the test pass its last tenth
                let within = (if stage = "test" then 0.9 + 0.1 * float finished / float total else 0.9 * float finished / float total)
                display.Progress(eid, name, epoch, epochs, (float (epoch - 1) + within) / float epochs)
            | Training.EpochDone _ -> ()
        let record, artifacts = (resolve e).Train split threads report
        let record =
            { record with
                GitCommit = o.GitCommit
                Config = record.Config @ [ "grid", Text grid; "experimentId", Text eid
                                           "replicate", (match e.Seed with Replicate r -> Int(int64 r) | Given -> Text "given") ] }
        Artifacts.write (artifactsPath o.Root grid e) artifacts
        write (recordPath o.Root grid e) record
        Finished record

/// A label per experiment that tells it apart from the others of the grid (its varying parameters and
/// replicate), by id; the model/rule/data-set label where nothing varies.
let private labels (es: Experiment list) =
    let rec item v =
        match v with
        | Int i -> string i
        | Num f -> numberText f
        | Text s -> s
        | Flag b -> if b then "true" else "false"
        | Items xs -> String.Join(" ", xs |> List.map item)
        | Fields kvs -> String.Join(" ", kvs |> List.map (fun (k, x) -> $"{k}:{item x}"))
    // an object's fields one by one (sbp.depth=2), so that only the one that varies is shown
    let rec flat (prefix: string) (values: (string * Value) list) =
        [ for k, v in values do
              let key = if prefix = "" then k else $"{prefix}.{k}"
              match v with
              | Fields kvs -> yield! flat key kvs
              | _ -> yield key, item v ]
    let describe (e: Experiment) =
        flat "" (e.Model.Describe() |> List.filter (fst >> (<>) "seed"))
        @ [ "replicate", (match e.Seed with Replicate r -> string r | Given -> "given") ]
    List.zip es (LiveDisplay.distinguishingLabels (es |> List.map describe))
    |> List.map (fun (e, l) -> Experiment.id e, (if l = "" then label e else l))
    |> Map.ofList

type Summary = { Total: int; Ran: int; Skipped: int; Failed: int; NoData: int; Seconds: float }

/// Runs the grid (or its shard); returns what happened. Results do not depend on the parallelism: every
/// experiment's numbers come from its own seed, and the products are bitwise the same on any number of threads.
let run (o: Options) (g: Grid) =
    let g = match o.Shard with Some(i, n) -> shard i n g | None -> g
    let todo, finished = g.Experiments |> List.partition (fun e -> not (isFinished (recordPath o.Root g.Name e)))
    let parallelism = max 1 (min o.Parallel (max 1 todo.Length))
    let threads = max 1 (Environment.ProcessorCount / parallelism)
    let where = match o.Shard with Some(i, n) -> $" in shard {i}/{n}" | None -> ""
    o.Log $"grid {g.Name}: {g.Experiments.Length} experiments{where}, {finished.Length} done before, {todo.Length} to run, {parallelism} at a time"
    let data = DataCache o.Load
    let mutable failed = 0
    let mutable noData = 0
    let watch = Stopwatch.StartNew()
    let names = labels todo
    let display = LiveDisplay.create o.Live o.Log
    display.Start(g.Name, todo.Length)
    let options = ParallelOptions(MaxDegreeOfParallelism = parallelism)
    try
        Parallel.ForEach(todo, options, fun e ->
            let eid = Experiment.id e
            let name = names[eid]
            match runOne o threads g.Name data display name e with
            | Finished r ->
                match r.Status with
                | Completed ->
                    let best = if r.Epochs.IsEmpty then nan else r.Epochs |> List.map (fun x -> x.TestAccuracy) |> List.max
                    display.Finished(eid, name, $"best test metric {100.0 * best:F2}%%")
                | Failed why ->
                    Interlocked.Increment &failed |> ignore
                    display.Failed(eid, name, why)
            | NoData why ->
                Interlocked.Increment &noData |> ignore
                display.Failed(eid, name, $"no data: {why}"))
        |> ignore
    finally
        display.Stop()
    { Total = g.Experiments.Length
      Ran = todo.Length - noData
      Skipped = finished.Length
      Failed = failed
      NoData = noData
      Seconds = watch.Elapsed.TotalSeconds }
