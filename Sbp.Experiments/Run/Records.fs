/// Run records checked on read. A record counts only when it is a regular file of bounded size (Files), parses
/// strictly (no key twice), holds values in range (RunRecord.problems) and agrees with its configuration and with
/// where it lies; anything else is refused with its path and a one-line reason, and left out of tables, reports and
/// the runner's count of finished experiments (a grid rerun trains it again).
///
/// Under the current schema a record must agree with its configuration: the configuration hashes to its
/// `experimentId`; a completed run holds exactly the configured number of epochs (a failed one at most that many); a
/// replicate's seed is the one its replicate implies; the data set is the configured one, with the configured sizes
/// where they follow from the configuration (`expectedSizes`). A folder is a grid's folder when it holds the grid's
/// log of calls or a record with a `grid` key; there every record must carry `grid` equal to the folder's name and
/// lie in the folder of its experiment id. A record of an earlier schema (whose id was hashed differently) is refused:
/// every committed grid has been regenerated under the current one.
module Sbp.Experiments.Records

open System
open System.IO
open Sbp.Experiments.RunRecord

/// Keys a runner adds to the family's description: they identify a run, not a configuration.
let private runKeys = set [ "grid"; "experimentId"; "replicate"; "layers" ]

/// The experiment id a record's stored configuration and seed hash to (Experiment.id, computed from the record:
/// the canonical form of the configuration without the runner's keys, and the replicate or the given seed), or an
/// error naming what is missing.
let storedId (r: Record) =
    Families.ofRecord r
    |> Result.map (fun family ->
        let values = r.Config |> List.filter (fun (k, _) -> not (runKeys.Contains k))
        let seedPart =
            match r.Config |> List.tryFind (fst >> (=) "replicate") with
            | Some(_, Int rep) -> $"replicate={rep}"
            | _ -> $"seed={r.Seed}"
        Experiment.idOf (Experiment.canonicalOf (family.Defaults.Model.Introduced @ Spread.introduced @ RunSettings.introduced) values) seedPart)

let private configValue (k: string) (r: Record) = r.Config |> List.tryPick (fun (k', v) -> if k' = k then Some v else None)

/// The split sizes a run of `task` reads with the configured sizes (None: the task's own split), where they follow
/// from the configuration alone: an explicit size is the first-n subset's; the task's own split where it is fixed
/// (the standard MNIST and Fashion-MNIST files: 60,000 / 10,000; the 10,000 digits: 8,000 / 2,000). NETtalk's own
/// training words and test windows (another corpus, `--full-test`) and DVS's own split (the user's recordings) are
/// not known in advance: None.
let expectedSizes (task: DataSets.DataSetName) (train: int option) (test: int option) =
    match task with
    | DataSets.Mnist
    | DataSets.Fashion -> Some(defaultArg train 60_000), Some(defaultArg test 10_000)
    | DataSets.Mnist10k -> Some(defaultArg train DataSets.mnist10kTrain), Some(defaultArg test DataSets.mnist10kTest)
    | DataSets.Nettalk -> train, None
    | DataSets.Dvs -> train, test

/// Where a record lies, and what that says it must be.
type Place =
    { /// The name of the record's own folder (a grid's record lies in the folder of its experiment id).
      Folder: string
      /// The grid whose folder holds the record, when it is a grid's folder: its records carry `grid` = this name.
      /// None for a folder of single runs (`sbp train --out`).
      Grid: string option
      /// The folder holds records of the current schema (or the runner writes them there): an older one is refused.
      Current: Lazy<bool>
      /// The experiment the runner expects in this folder (its id and seed), when known.
      Expected: Experiment.Experiment option
      /// Sets of compared keys (`Grid.pairedSeeds`) a replicate's seed may have been derived with, besides none, for
      /// a family (its name); used only when the seed is not the one of no compared keys.
      Compared: string -> string list list }

/// Why a replicate's seed is not the one its replicate implies (a given seed is part of the id, checked apart).
let private seedProblem (place: Place) (r: Record) =
    match configValue "replicate" r with
    | Some(Int rep) ->
        match place.Expected with
        | Some e ->
            let expected = Experiment.seed e
            if r.Seed = expected then None
            else Some $"seed is {r.Seed}, but replicate {rep} of experiment {Experiment.id e} runs with seed {expected}"
        | None ->
            match Families.read r with
            // a configuration that cannot be read as a typed one is named by the tables
            | Error _ -> None
            | Ok e ->
                let expected = Experiment.seed e
                if r.Seed = expected then None
                elif place.Compared e.Model.Family |> List.exists (fun c -> Experiment.seed { e with Compared = c } = r.Seed) then None
                else Some $"seed is {r.Seed}, but replicate {rep} of its configuration runs with seed {expected}"
    | _ -> None

/// Why the record's epochs are not the configured number: a completed run holds all of them, a failed one no more.
let private epochProblem (r: Record) =
    match configValue "epochs" r with
    | Some(Int n) ->
        match r.Status with
        | Completed when int64 r.Epochs.Length <> n -> Some $"a completed run of config.epochs = {n} epochs holds {r.Epochs.Length}"
        | Failed _ when int64 r.Epochs.Length > n -> Some $"a failed run of config.epochs = {n} epochs holds {r.Epochs.Length}"
        | _ -> None
    | _ -> None

/// Why the record's data set is not the configured one (its name, and its sizes where `expectedSizes` knows them).
let private datasetProblems (r: Record) =
    match configValue "dataset" r |> Option.map (function Text s -> DataSets.parseName s | v -> Error $"{v}") with
    | Some(Ok task) ->
        let size k = match configValue k r with Some(Int n) -> Some(int n) | _ -> None
        let train, test = expectedSizes task (size "trainSize") (size "testSize")
        [ if r.Dataset.Name <> DataSets.nameOf task then $"dataset.name is {r.Dataset.Name}, but config.dataset is {DataSets.nameOf task}"
          match train with
          | Some n when r.Dataset.TrainSize <> n -> $"dataset.trainSize is {r.Dataset.TrainSize}, but its configuration trains on {n} samples"
          | _ -> ()
          match test with
          | Some n when r.Dataset.TestSize <> n -> $"dataset.testSize is {r.Dataset.TestSize}, but its configuration tests on {n} samples"
          | _ -> () ]
    // a missing or unknown data set: the typed reading names it
    | _ -> []

/// Why the parsed record `r`, written under `schema` and lying at `place`, is refused; empty when it is valid.
let private problemsAt (place: Place) (schema: int) (r: Record) =
    [ yield! RunRecord.problems r
      if schema < schemaVersion then
          // every committed grid has been regenerated under the current schema: an older record is not read at all
          $"written under schema {schema}, which this version no longer reads (its id was hashed differently): rerun its grid to regenerate it"
      else
          match storedId r with
          | Error m -> m
          | Ok id ->
              match configValue "experimentId" r with
              | Some(Text s) when s <> id -> $"config.experimentId is {s} but the stored configuration hashes to {id} (an edited configuration)"
              | _ -> ()
              match place.Grid, configValue "grid" r with
              | Some g, None -> $"it has no config.grid, but lies in the folder of grid {g} (a single run's record, or a grid's record with its key removed)"
              | Some g, Some(Text k) when k <> g -> $"config.grid is {k}, but it lies in the folder of grid {g}"
              | _, Some(Text _) | _, None -> ()
              | _, Some v -> $"config.grid is {v}; expected the name of its grid"
              // a grid's record lies in the folder named by its id (`sbp train` writes wherever --out says)
              match place.Grid with
              | Some _ when place.Folder <> id -> $"the record of experiment {id} lies in the folder of experiment {place.Folder}"
              | _ -> ()
              match place.Expected with
              | Some e when Experiment.id e <> id -> $"it is the record of experiment {id}, not of experiment {Experiment.id e}"
              | _ -> ()
              yield! Option.toList (epochProblem r)
              yield! Option.toList (seedProblem place r)
              yield! datasetProblems r ]

/// The record file `path` read and parsed (not checked): its schema and record, or why it cannot be read.
let private parseFile (path: string) =
    try Ok(RunRecord.parse path (Files.readText RunRecord.maxBytes path)) with
    | :? Files.RefusedFileException as e -> Error e.Reason
    | :? InvalidDataException as e -> Error(e.Message.Replace(path + ": ", ""))
    | :? IOException | :? UnauthorizedAccessException as e -> Error e.Message

let private checkedAt (place: Place) (path: string) (parsed: Result<int * Record, string>) =
    parsed
    |> Result.bind (fun (schema, r) ->
        match problemsAt place schema r with
        | [] -> Ok r
        | ps -> Error(String.Join("; ", ps)))

/// The record file of every subfolder of a grid folder: (path, parsed), in folder order. A subfolder that is a
/// symbolic link is not followed: its record, if any, is refused.
let private recordFiles (gridDir: string) =
    [ for d in Directory.GetDirectories gridDir |> Array.sort do
          let path = Path.Combine(d, "run.json")
          if Files.isLink d then
              if File.Exists path || Directory.Exists path then yield path, Error "its folder is a symbolic link (not followed)"
          elif Files.kind path <> Files.Missing then yield path, parseFile path ]

/// The keys a compared-keys set may hold for a family's replicates in a folder: the keys (and their dotted paths one
/// level down) whose values differ between the family's records there, without the runner's keys and those of the
/// family's treatment (always compared). Every subset of them is a candidate, or, beyond 8 keys, each key alone and
/// all of them together.
let private comparedCandidates (records: Record list) (family: string) =
    let typed = records |> List.choose (fun r -> match Families.read r with Ok e when e.Model.Family = family -> Some(r, e) | _ -> None)
    match typed with
    | [] -> []
    | (_, first) :: _ ->
        let treatment = set first.Model.Treatment
        let entries (r: Record) =
            [ for k, v in r.Config do
                  if not (runKeys.Contains k) && not (treatment.Contains k) then
                      yield k, string v
                      match v with
                      | Fields kvs -> for k2, v2 in kvs -> $"{k}.{k2}", string v2
                      | _ -> () ]
            |> Map.ofList
        let maps = typed |> List.map (fst >> entries)
        let keys = maps |> List.collect (Map.toList >> List.map fst) |> List.distinct
        let varying = keys |> List.filter (fun k -> (maps |> List.map (Map.tryFind k) |> List.distinct).Length > 1)
        let rec subsets xs =
            match xs with
            | [] -> [ [] ]
            | x :: rest -> let s = subsets rest in s @ (s |> List.map (fun t -> x :: t))
        if varying.Length <= 8 then subsets varying |> List.filter (not << List.isEmpty)
        else (varying |> List.map List.singleton) @ [ varying ]

let private memo (f: string -> 'a) =
    let cache = Collections.Concurrent.ConcurrentDictionary<string, Lazy<'a>>()
    fun (k: string) -> cache.GetOrAdd(k, fun k -> lazy (f k)).Value

let private gridLog (gridDir: string) = File.Exists(Path.Combine(gridDir, Invocations.fileName))

let private hasKey (k: string) (r: Record) = r.Config |> List.exists (fst >> (=) k)

/// The record at `path`, read and checked: Ok, or Error with the reason (one line). Its folder's place is found from
/// the record and from what lies beside it: a record with a `grid` key, or one whose grid folder holds the grid's log
/// of calls, is a grid's record; the other records of the grid folder are read only when needed (an older schema,
/// a replicate's seed of compared keys).
let tryRead (path: string) =
    let full = Path.GetFullPath path
    let dir = Path.GetDirectoryName full
    match Files.kind full with
    | Files.Folder -> Error "a folder, not a file"
    | _ ->
        match parseFile full with
        | Error why -> Error why
        | Ok(schema, r) ->
            let gridDir = Path.GetDirectoryName dir
            let isGrid = not (isNull gridDir) && (hasKey "grid" r || gridLog gridDir)
            let siblings =
                lazy
                    (if isGrid && Directory.Exists gridDir then
                         recordFiles gridDir |> List.choose (fun (_, p) -> match p with Ok x -> Some x | Error _ -> None)
                     else [])
            let place =
                { Folder = Path.GetFileName dir
                  Grid = if isGrid then Some(Path.GetFileName gridDir) else None
                  Current = lazy (schema = schemaVersion || siblings.Value |> List.exists (fst >> (=) schemaVersion))
                  Expected = None
                  Compared = memo (comparedCandidates (siblings.Value |> List.filter (fst >> (=) schemaVersion) |> List.map snd)) }
            checkedAt place full (Ok(schema, r))

/// The record of experiment `e` of grid `grid` at `path`, read and checked as the runner expects it: as a record of
/// the grid's folder (of the current schema), and as that experiment (its id and its seed).
let tryReadAs (grid: string) (e: Experiment.Experiment) (path: string) =
    let full = Path.GetFullPath path
    match Files.kind full with
    | Files.Folder -> Error "a folder, not a file"
    | _ ->
        let place =
            { Folder = Path.GetFileName(Path.GetDirectoryName full)
              Grid = Some grid
              Current = lazy true
              Expected = Some e
              Compared = fun _ -> [] }
        checkedAt place full (parseFile full)

/// A refused record: its path and why.
type Refused = { Path: string; Reason: string }

/// Every record of a grid folder: the valid ones (path and record, in folder order) and the refused ones. The folder
/// is a grid's folder when it holds the grid's log of calls or any record with a `grid` key.
let ofGrid (gridDir: string) =
    let files = recordFiles gridDir
    let parsed = files |> List.choose (fun (_, p) -> match p with Ok x -> Some x | Error _ -> None)
    let isGrid = gridLog gridDir || parsed |> List.exists (snd >> hasKey "grid")
    let name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath gridDir))
    let current = lazy (parsed |> List.exists (fst >> (=) schemaVersion))
    let compared = memo (comparedCandidates (parsed |> List.filter (fst >> (=) schemaVersion) |> List.map snd))
    let ok = ResizeArray()
    let refused = ResizeArray()
    for path, p in files do
        let place =
            { Folder = Path.GetFileName(Path.GetDirectoryName path)
              Grid = if isGrid then Some name else None
              Current = current
              Expected = None
              Compared = compared }
        match checkedAt place path p with
        | Ok r -> ok.Add(path, r)
        | Error why -> refused.Add { Path = path; Reason = why }
    List.ofSeq ok, List.ofSeq refused

/// The refused records of every grid under a results folder.
let refusedUnder (root: string) =
    if not (Directory.Exists root) then []
    else [ for g in Directory.GetDirectories root |> Array.sort do if not (Files.isLink g) then yield! snd (ofGrid g) ]
