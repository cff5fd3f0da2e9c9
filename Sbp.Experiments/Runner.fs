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
      /// A live status line on stderr (only when stderr is a terminal).
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
      Live = not Console.IsErrorRedirected
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
let private runOne (o: Options) (threads: int) (grid: string) (data: DataCache) (status: ConcurrentDictionary<string, string>) (e: Experiment) =
    let eid = Experiment.id e
    let dataset, trainSize, testSize = Experiment.data e
    match (try Ok(data.Get(dataset, trainSize, testSize, e.Model.DvsEncoding)) with :? DataNotProvisionedException as x -> Error x.Message) with
    | Error m -> NoData m
    | Ok split ->
        let report r =
            match r with
            | Training.Batch(epoch, epochs, stage, finished, total) ->
                status[eid] <- $"{label e} epoch {epoch}/{epochs} {stage} {finished * 100 / total}%%"
            | Training.EpochDone _ -> ()
        let record, artifacts = (resolve e).Train split threads report
        let record =
            { record with
                GitCommit = o.GitCommit
                Config = record.Config @ [ "grid", Text grid; "experimentId", Text eid
                                           "replicate", (match e.Seed with Replicate r -> Int(int64 r) | Given -> Text "given") ] }
        Artifacts.write (artifactsPath o.Root grid e) artifacts
        write (recordPath o.Root grid e) record
        status.TryRemove eid |> ignore
        Finished record

type Summary = { Total: int; Ran: int; Skipped: int; Failed: int; NoData: int; Seconds: float }

/// Runs the grid (or its shard); returns what happened. Results do not depend on the parallelism: every
/// experiment's numbers come from its own seed, and the products are bitwise the same on any number of threads.
let run (o: Options) (g: Grid) =
    let g = match o.Shard with Some(i, n) -> shard i n g | None -> g
    let todo, finished = g.Experiments |> List.partition (fun e -> not (isFinished (recordPath o.Root g.Name e)))
    let parallelism = max 1 (min o.Parallel (max 1 todo.Length))
    let threads = max 1 (Environment.ProcessorCount / parallelism)
    let where = match o.Shard with Some(i, n) -> $" in shard {i}/{n}" | None -> ""
    o.Log $"grid {g.Name}: {g.Experiments.Length} experiments{where}, {finished.Length} already finished, {todo.Length} to run, {parallelism} at a time"
    let data = DataCache o.Load
    let status = ConcurrentDictionary<string, string>()
    let mutable completed = 0
    let mutable failed = 0
    let mutable noData = 0
    let watch = Stopwatch.StartNew()
    use ticker =
        new Timer(
            (fun _ ->
                if o.Live then
                    let done' = Volatile.Read &completed
                    let eta =
                        if done' = 0 then "?"
                        else TimeSpan.FromSeconds(watch.Elapsed.TotalSeconds / float done' * float (todo.Length - done')).ToString(@"hh\:mm\:ss")
                    let current = status.Values |> Seq.truncate 2 |> String.concat " | "
                    let line = $"[{done'}/{todo.Length} done, ETA {eta}] {current}"
                    eprintf "\r%s" (if line.Length > 150 then line.Substring(0, 150) else line.PadRight 150)),
            null, 1000, 1000)
    let options = ParallelOptions(MaxDegreeOfParallelism = parallelism)
    Parallel.ForEach(todo, options, fun e ->
        let outcome = runOne o threads g.Name data status e
        Interlocked.Increment &completed |> ignore
        match outcome with
        | Finished r ->
            let best = if r.Epochs.IsEmpty then nan else r.Epochs |> List.map (fun x -> x.TestAccuracy) |> List.max
            match r.Status with
            | Completed -> o.Log $"\r  done   {Experiment.id e}  {label e}  best test accuracy {best:F4}"
            | Failed why ->
                Interlocked.Increment &failed |> ignore
                o.Log $"\r  FAILED {Experiment.id e}  {label e}: {why}"
        | NoData why ->
            Interlocked.Increment &noData |> ignore
            o.Log $"\r  no data {Experiment.id e}  {label e}: {why}"
        )
    |> ignore
    if o.Live then eprintf "\r%s\r" (String(' ', 150))
    { Total = g.Experiments.Length
      Ran = todo.Length - noData
      Skipped = finished.Length
      Failed = failed
      NoData = noData
      Seconds = watch.Elapsed.TotalSeconds }
