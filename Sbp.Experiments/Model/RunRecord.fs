/// The JSON record every training run writes (README, "Run records"). Only the edge writes it; readers (tables,
/// reports) rebuild everything from these files.
module Sbp.Experiments.RunRecord

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes

/// A parameter value of a run's configuration.
type Value =
    | Int of int64
    | Num of float
    | Text of string
    | Flag of bool
    | Items of Value list
    | Fields of (string * Value) list

/// The metrics of one epoch. `Extra` holds model-specific figures (cosine similarity, spikes per layer, ...).
type Epoch =
    { Epoch: int
      TrainAccuracy: float
      TestAccuracy: float
      TrainError: float
      TestError: float
      Seconds: float
      SynapticOps: int64
      Extra: (string * float) list }

type DatasetInfo = { Name: string; TrainSize: int; TestSize: int; Provenance: string }

/// A run finishes or stops with a reason (invalid values, violated invariants, ...).
type Status =
    | Completed
    | Failed of reason: string

type Record =
    { Config: (string * Value) list
      Seed: uint64
      Dataset: DatasetInfo
      Epochs: Epoch list
      Status: Status
      GitCommit: string }

/// The schema of run records and of the canonical configuration form experiment ids hash (Experiment.canonical).
/// 2: typed model configurations (rules that carry their parameters, per-task reference settings, paired seeds).
let schemaVersion = 2

/// A number as the decimal a user wrote: a value that is exactly a float32 (every single-precision parameter) is
/// written as the float32's shortest round-trip text (0.1, not 0.10000000149011612); any other value as the
/// shortest text of the double. Reading gives back the decimal.
let numberText (f: float) =
    let single = float32 f
    if Double.IsFinite f && float single = f then single.ToString("R", Globalization.CultureInfo.InvariantCulture)
    else f.ToString("R", Globalization.CultureInfo.InvariantCulture)

let rec private valueNode (v: Value) : JsonNode =
    match v with
    | Int i -> JsonValue.Create i
    | Num f when Double.IsFinite f -> JsonNode.Parse(numberText f)
    | Num f -> JsonValue.Create f
    | Text s -> JsonValue.Create s
    | Flag b -> JsonValue.Create b
    | Items xs -> JsonArray(xs |> List.map valueNode |> List.toArray)
    | Fields kvs ->
        let o = JsonObject()
        for k, v in kvs do o[k] <- valueNode v
        o

let private finite (name: string) (x: float) =
    if Double.IsFinite x then x else invalidArg name $"{name} is {x}; a run record holds finite numbers only"

let toJson (r: Record) : string =
    let o = JsonObject()
    o["schema"] <- JsonValue.Create schemaVersion
    let cfg = JsonObject()
    for k, v in r.Config do cfg[k] <- valueNode v
    o["config"] <- cfg
    o["seed"] <- JsonValue.Create r.Seed
    let ds = JsonObject()
    ds["name"] <- JsonValue.Create r.Dataset.Name
    ds["trainSize"] <- JsonValue.Create r.Dataset.TrainSize
    ds["testSize"] <- JsonValue.Create r.Dataset.TestSize
    ds["provenance"] <- JsonValue.Create r.Dataset.Provenance
    o["dataset"] <- ds
    let epochs = JsonArray()
    for e in r.Epochs do
        let eo = JsonObject()
        eo["epoch"] <- JsonValue.Create e.Epoch
        eo["trainAccuracy"] <- JsonValue.Create(finite "trainAccuracy" e.TrainAccuracy)
        eo["testAccuracy"] <- JsonValue.Create(finite "testAccuracy" e.TestAccuracy)
        eo["trainError"] <- JsonValue.Create(finite "trainError" e.TrainError)
        eo["testError"] <- JsonValue.Create(finite "testError" e.TestError)
        eo["seconds"] <- JsonValue.Create e.Seconds
        eo["synapticOps"] <- JsonValue.Create e.SynapticOps
        for k, v in e.Extra do eo[k] <- JsonValue.Create(finite k v)
        epochs.Add eo
    o["epochs"] <- epochs
    match r.Status with
    | Completed -> o["status"] <- JsonValue.Create "completed"
    | Failed reason ->
        o["status"] <- JsonValue.Create "failed"
        o["failure"] <- JsonValue.Create reason
    o["gitCommit"] <- JsonValue.Create r.GitCommit
    o.ToJsonString(JsonSerializerOptions(WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping))

let private epochKeys = set [ "epoch"; "trainAccuracy"; "testAccuracy"; "trainError"; "testError"; "seconds"; "synapticOps" ]

let rec private nodeValue (n: JsonNode) : Value =
    match n with
    | :? JsonArray as a -> Items [ for x in a -> nodeValue x ]
    | :? JsonObject as o -> Fields [ for kv in o -> kv.Key, nodeValue kv.Value ]
    | :? JsonValue as v ->
        match v.GetValueKind() with
        | JsonValueKind.String -> Text(v.GetValue<string>())
        | JsonValueKind.True -> Flag true
        | JsonValueKind.False -> Flag false
        | JsonValueKind.Number ->
            match v.TryGetValue<int64>() with
            | true, i -> Int i
            | _ -> Num(v.GetValue<float>())
        | k -> failwith $"unsupported config value kind {k}"
    | _ -> failwith "config values are numbers, strings, booleans, arrays or objects of them"

/// The most bytes a run record may hold (a record of 400 epochs holds about 230 kB): a larger file is refused before
/// it is read.
let maxBytes = 16L * 1024L * 1024L

/// Parses JSON text, refusing an object that holds a key twice (which of the two would count is not defined).
let parseStrict (json: string) =
    JsonNode.Parse(json, Nullable(), JsonDocumentOptions(AllowDuplicateProperties = false))

/// Parses a record: the schema it was written under (records before versioning carry none: 1) and the record;
/// `source` names the file in errors.
let parse (source: string) (json: string) : int * Record =
    try
        let o = (parseStrict json).AsObject()
        let req (o: JsonObject) (k: string) =
            match o[k] with
            | null -> failwith $"field '{k}' is missing"
            | n -> n
        // records before versioning carry no schema (1); a later schema than this code's is not understood
        let schema =
            match o["schema"] with
            | null -> 1
            | n when n.GetValueKind() <> JsonValueKind.Number || (let v = n.GetValue<float>() in v <> floor v || v < 1.0 || v > float schemaVersion) ->
                failwith $"schema {n.ToJsonString()} is not one of this version's schemas 1..{schemaVersion}"
            | n -> int (n.GetValue<float>())
        let ds = (req o "dataset").AsObject()
        schema,
        { Config = [ for kv in (req o "config").AsObject() -> kv.Key, nodeValue kv.Value ]
          Seed = (req o "seed").GetValue<uint64>()
          Dataset =
            { Name = (req ds "name").GetValue<string>()
              TrainSize = (req ds "trainSize").GetValue<int>()
              TestSize = (req ds "testSize").GetValue<int>()
              Provenance = (req ds "provenance").GetValue<string>() }
          Epochs =
            [ for e in (req o "epochs").AsArray() do
                  let e = e.AsObject()
                  let f k = (req e k).GetValue<float>()
                  { Epoch = (req e "epoch").GetValue<int>()
                    TrainAccuracy = f "trainAccuracy"
                    TestAccuracy = f "testAccuracy"
                    TrainError = f "trainError"
                    TestError = f "testError"
                    Seconds = f "seconds"
                    SynapticOps = (req e "synapticOps").GetValue<int64>()
                    Extra = [ for kv in e do if not (epochKeys.Contains kv.Key) then kv.Key, kv.Value.GetValue<float>() ] } ]
          Status =
            match (req o "status").GetValue<string>() with
            | "completed" -> Completed
            | "failed" -> Failed((req o "failure").GetValue<string>())
            | s -> failwith $"status '{s}' is neither completed nor failed"
          GitCommit = (req o "gitCommit").GetValue<string>() }
    with
    | :? JsonException
    | :? InvalidOperationException
    | :? FormatException
    | :? NullReferenceException
    | :? ArgumentException
    | Failure _ as e -> raise (InvalidDataException($"{source}: not a valid run record: {e.Message}", e))

/// Parses a record (see `parse`); `source` names the file in errors.
let ofJson (source: string) (json: string) : Record = snd (parse source json)

/// Every reason a parsed record is not a valid record of its own (empty when it is): accuracies in [0, 1] (a
/// NETtalk accuracy is a mean cosine similarity, in [−1, 1]), errors = 1 − accuracy, finite non-negative timings and
/// counts, epochs numbered 1..n, at least one epoch when completed, a failure that gives its reason.
let problems (r: Record) =
    let lowest = if r.Dataset.Name = "nettalk" then -1.0 else 0.0
    [ if r.Dataset.TrainSize < 1 then $"dataset.trainSize is {r.Dataset.TrainSize}; expected ≥ 1"
      if r.Dataset.TestSize < 0 then $"dataset.testSize is {r.Dataset.TestSize}; expected ≥ 0"
      match r.Status with
      | Completed when r.Epochs.IsEmpty -> "status is completed but there are no epochs"
      | Failed reason when String.IsNullOrWhiteSpace reason -> "status is failed without a reason"
      | _ -> ()
      for i, e in List.indexed r.Epochs do
          let at = $"epochs[{i}]"
          if e.Epoch <> i + 1 then $"{at}.epoch is {e.Epoch}; expected {i + 1} (epochs are numbered 1..n)"
          for name, acc, err in [ "trainAccuracy", e.TrainAccuracy, e.TrainError; "testAccuracy", e.TestAccuracy, e.TestError ] do
              if not (Double.IsFinite acc) || acc < lowest || acc > 1.0 then $"{at}.{name} is {acc}; expected a number in [{lowest}, 1]"
              elif not (Double.IsFinite err) || abs (err - (1.0 - acc)) > 1e-9 then
                  let errName = name.Replace("Accuracy", "Error")
                  $"{at}.{errName} is {err}; expected 1 − {name} = {1.0 - acc}"
          if not (Double.IsFinite e.Seconds) || e.Seconds < 0.0 then $"{at}.seconds is {e.Seconds}; expected a finite number ≥ 0"
          if e.SynapticOps < 0L then $"{at}.synapticOps is {e.SynapticOps}; expected ≥ 0"
          for k, v in e.Extra do
              if not (Double.IsFinite v) then $"{at}.{k} is {v}; expected a finite number" ]

/// Writes `text` to `path` atomically: a temporary file in the same folder, then a rename over the target, so a
/// reader (or a crash) never sees half a file; a failed write leaves no temporary file behind.
let writeAtomically (path: string) (text: string) =
    let full = Path.GetFullPath path
    Directory.CreateDirectory(Path.GetDirectoryName full) |> ignore
    if Directory.Exists full then raise (IOException $"{full} is a folder, not a file")
    let tmp = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}"
    try
        File.WriteAllText(tmp, text)
        File.Move(tmp, full, true)
    finally
        if File.Exists tmp then (try File.Delete tmp with _ -> ())

/// Writes the record atomically (see `writeAtomically`).
let write (path: string) (r: Record) = writeAtomically path (toJson r)

/// Reads the record file `path`: a regular file of at most `maxBytes` (Files.readText), parsed strictly.
let read (path: string) = ofJson path (Files.readText maxBytes path)
