/// Run records checked on read: a record counts only when it is a regular file of bounded size (Files: a FIFO or a
/// device is refused before it is opened), parses strictly (no key twice), holds values in range (RunRecord.problems)
/// and, written under this version's schema, sits in the folder of the experiment its stored configuration hashes to. Anything
/// else (another experiment's record copied into a folder, an edited configuration, an accuracy of 5) is refused
/// with its path and reason, and left out of tables and reports.
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
        Experiment.idOf (Experiment.canonicalOf (family.Defaults.Model.Introduced @ Spread.introduced) values) seedPart)

/// Why the parsed record `r`, found in the folder `folderId`, is refused; empty when it is valid. A grid's record
/// (one with a `grid` key) must lie in the folder of its id.
let problemsIn (folderId: string option) (r: Record) =
    [ yield! RunRecord.problems r
      match storedId r with
      | Error m -> m
      | Ok id ->
          let stored = r.Config |> List.tryPick (fun (k, v) -> match k, v with "experimentId", Text s -> Some s | _ -> None)
          match stored with
          | Some s when s <> id -> $"config.experimentId is {s} but the stored configuration hashes to {id} (an edited configuration)"
          | _ -> ()
          // a grid's record lies in the folder named by its id (`sbp train` writes wherever --out says)
          let ofGrid = r.Config |> List.exists (fst >> (=) "grid")
          match folderId with
          | Some f when ofGrid && f <> id -> $"the record of experiment {id} lies in the folder of experiment {f}"
          | _ -> () ]

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

/// A record read and checked: Ok, or Error with the reason (one line).
let tryRead (path: string) =
    let check () =
        let schema, r = RunRecord.parse path (Files.readText RunRecord.maxBytes path)
        let folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath path))
        // a record of an earlier schema hashed its id differently: its values are checked, its id cannot be
        // (tables show such a grid under a banner asking to regenerate it)
        let problems = if schema = schemaVersion then problemsIn (Some folder) r else RunRecord.problems r
        match problems with
        | [] -> Ok r
        | ps -> Error(String.Join("; ", ps))
    if Directory.Exists path then Error "a folder, not a file"
    else
        try check () with
        | :? Files.RefusedFileException as e -> Error e.Reason
        | :? InvalidDataException as e -> Error(e.Message.Replace(path + ": ", ""))
        | :? IOException | :? UnauthorizedAccessException as e -> Error e.Message

/// A refused record: its path and why.
type Refused = { Path: string; Reason: string }

/// Every record of a grid folder: the valid ones (path and record, in folder order) and the refused ones.
let ofGrid (gridDir: string) =
    let ok = ResizeArray()
    let refused = ResizeArray()
    for d in Directory.GetDirectories gridDir |> Array.sort do
        let path = Path.Combine(d, "run.json")
        if Files.kind path <> Files.Missing then
            match tryRead path with
            | Ok r -> ok.Add(path, r)
            | Error why -> refused.Add { Path = path; Reason = why }
    List.ofSeq ok, List.ofSeq refused

/// The refused records of every grid under a results folder.
let refusedUnder (root: string) =
    if not (Directory.Exists root) then []
    else [ for g in Directory.GetDirectories root |> Array.sort do yield! snd (ofGrid g) ]
