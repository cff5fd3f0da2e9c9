/// Trained networks kept and scored again (docs/networks.md): `sbp train … --save FILE` writes the network's inference
/// state as it was before the last epoch's test passes, with its run record as metadata (NetworkFile, safetensors);
/// `sbp evaluate FILE` rebuilds the network from the record's configuration, puts the state in place, runs those test
/// passes on the same data and compares every figure with the record, bit for bit.
module Sbp.Experiments.SavedNetwork

open System
open System.IO
open System.Threading
open Sbp.Core.Data
open Sbp.Experiments.RunRecord
open Sbp.Experiments.NetworkFile

/// The `format` entry of a network file's metadata this version writes and reads.
let format = "sbp-network-1"

/// The family a run record names in its `model` field.
let private modelOf (record: Record) = record.Config |> List.tryPick (function "model", Text m -> Some m | _ -> None)

/// Writes a completed run's network: its final inference state, and as metadata the format, the family and the run
/// record (the record's JSON, as run.json holds it).
let save (path: string) (record: Record) (state: Tensor list) =
    if record.Status <> Completed then invalidArg "record" "only a completed run's network is saved"
    if state.IsEmpty then invalidArg "state" "the run left no network state to save"
    let model = modelOf record |> Option.defaultValue "unknown"
    NetworkFile.write path [ "format", format; "model", model; "record", RunRecord.toJson record ] state

/// A network file read back: its run record, the experiment the record describes, and the saved state.
type Loaded =
    { Record: Record
      Experiment: Experiment.Experiment
      State: Tensor list }

/// Reads a network file written by `save`; a file that is not one is a NetworkFileException naming it.
let load (path: string) =
    let fail (reason: string) = raise (NetworkFileException(path, reason))
    let metadata, state = NetworkFile.read path
    let entry (k: string) = metadata |> List.tryPick (fun (k', v) -> if k' = k then Some v else None)
    match entry "format" with
    | Some f when f = format -> ()
    | Some f -> fail $"__metadata__.format is '{f}'; this version reads '{format}'"
    | None -> fail "__metadata__.format is missing: not a network saved by sbp train --save"
    let record =
        match entry "record" with
        | None -> fail "__metadata__.record (the run record) is missing"
        | Some json when int64 json.Length > RunRecord.maxBytes -> fail $"__metadata__.record holds more than {RunRecord.maxBytes} characters"
        | Some json ->
            try RunRecord.ofJson "__metadata__.record" json
            with :? InvalidDataException as e -> fail e.Message
    match RunRecord.problems record with
    | [] -> ()
    | p :: _ -> fail $"__metadata__.record: {p}"
    if record.Status <> Completed then fail "__metadata__.record is not a completed run"
    let model = modelOf record
    match entry "model" with
    | Some m when Some m <> model ->
        let recorded = defaultArg model "?"
        fail $"__metadata__.model is '{m}' but its record is of model '{recorded}'"
    | _ -> ()
    match Families.read record with
    | Error why -> fail $"__metadata__.record: {why}"
    | Ok e -> { Record = record; Experiment = e; State = state }

/// One figure of the last epoch's test passes: as recorded, and as the loaded network scores it now.
type Figure =
    { Name: string
      Recorded: float
      Evaluated: float }
    /// Bit for bit the recorded value.
    member f.Identical = BitConverter.DoubleToInt64Bits f.Recorded = BitConverter.DoubleToInt64Bits f.Evaluated

/// What `evaluate` found.
type Evaluation =
    { Loaded: Loaded
      Split: DataSplit
      BatchSize: int
      Figures: Figure list }

/// Scores a loaded network file's test set(s) again (`path` names it in errors): the data is loaded as the run loaded it (`load`
/// gives where user-supplied files are) and must be the data the run declared (its identity and sizes); the network
/// is built from the record's configuration and its saved state put in place (every array present with its shape,
/// nothing else); then the last epoch's test passes run as in training. Every fault is a NetworkFileException or an
/// ArgumentException of one line.
let evaluate (options: DataSets.LoadOptions) (threads: int) (report: Training.Report -> unit) (loaded: Loaded) (path: string) =
    let fail (reason: string) = raise (NetworkFileException(path, reason))
    let e = loaded.Experiment
    // a rule defined in a script is rebuilt only where that script has defined it again
    match Experiment.problems e with
    | [] -> ()
    | problems -> fail (String.Join("; ", problems))
    let dataset, trainSize, testSize = Experiment.data e
    let options =
        { options with TrainSize = trainSize; TestSize = testSize; DvsEncoding = e.Model.DvsEncoding; HeldOutTest = e.Model.HeldOutTest }
    let split = DataSets.load options dataset
    let actual = DataSets.Identity.of' options dataset
    if actual <> e.Model.Source then fail $"was trained on data {e.Model.Source}; the files read now are {actual}"
    let r = loaded.Record.Dataset
    if split.Train.Count <> r.TrainSize || split.Test.Count <> r.TestSize then
        fail $"was trained on {r.TrainSize} / {r.TestSize} samples of {r.Name}; the data loaded now has {split.Train.Count} / {split.Test.Count} (NETtalk's full test set needs --full-test)"
    // a network beyond the memory limit is refused before anything is allocated for it, as for training
    match Experiment.fitProblems e split with
    | [] -> ()
    | problems -> fail (String.Join("; ", problems))
    let resolved = Experiment.resolve e
    let built = resolved.Build split
    built.Execution.Threads <- threads
    match NetworkFile.restore (built.Model.State()) loaded.State with
    | Ok() -> ()
    | Error problems ->
        let more = if problems.Length > 3 then $"; and {problems.Length - 3} more" else ""
        fail (String.Join("; ", List.truncate 3 problems) + more)
    let last = List.last loaded.Record.Epochs
    let te, standard =
        try Training.testPasses built.Model (Training.taskOf dataset) split resolved.BatchSize CancellationToken.None report (last.Epoch, last.Epoch)
        with :? Sbp.Core.Numerics.TrainingDivergedException as x ->
            fail ("the saved network diverges on its test set: " + x.Message.Replace("training diverged: ", ""))
    let task = Training.taskOf dataset
    let recorded (k: string) = last.Extra |> List.tryPick (fun (k', v) -> if k' = k then Some v else None)
    let figures =
        [ { Name = "test accuracy"; Recorded = last.TestAccuracy; Evaluated = te.Accuracy task }
          match recorded "testMseCost" with
          | Some v -> { Name = "test MSE cost"; Recorded = v; Evaluated = te.Mse }
          | None -> ()
          match recorded "standardTestAccuracy", standard with
          | Some v, Some st -> { Name = "std. test accuracy"; Recorded = v; Evaluated = st.Accuracy task }
          | _ -> () ]
    { Loaded = loaded; Split = split; BatchSize = resolved.BatchSize; Figures = figures }
