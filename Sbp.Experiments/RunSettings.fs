namespace Sbp.Experiments

open Sbp.Experiments.DataSets
open Sbp.Experiments.RunRecord

/// The settings every model family has: the data, the hidden layers, how long and in what batches the network trains,
/// the invariant checks and the seed. A family's configuration holds them as one field, `Run`, so that the command
/// line, the sweep keys, the run record, the id and the checks treat them once for every family:
///   { SnnConfig.defaults with Run.Dataset = DataSets.Nettalk; Run.Epochs = 20 }
type RunSettings =
    { Dataset: DataSetName
      /// Training samples (None: the task's split).
      TrainSize: int option
      /// Test samples (None: the task's split).
      TestSize: int option
      /// Hidden layer sizes (the paper: one layer of 500).
      Hidden: int list
      Epochs: int
      /// None: the task's reference batch (each family has its own per task).
      BatchSize: int option
      /// Check the model's invariants (weight bounds, signs, finiteness) after every update; a violation fails the run.
      CheckInvariants: bool
      Seed: uint64 }

/// Building, resolving, describing, reading back and checking the settings every family has.
[<RequireQualifiedAccess>]
module RunSettings =
    /// The paper's run on MNIST (the task's split and batch, 10 epochs) of a network with the given hidden layers,
    /// invariant checks and seed: each family passes its core's defaults.
    let onMnist (hidden: int list) (checkInvariants: bool) (seed: uint64) : RunSettings =
        { Dataset = Mnist
          TrainSize = None
          TestSize = None
          Hidden = hidden
          Epochs = 10
          BatchSize = None
          CheckInvariants = checkInvariants
          Seed = seed }

    /// The settings with the batch size filled in from the family's reference batch of the task (a value set
    /// explicitly is kept).
    let withReferenceBatch (referenceBatch: DataSetName -> int) (r: RunSettings) =
        { r with BatchSize = Some(r.BatchSize |> Option.defaultValue (referenceBatch r.Dataset)) }

    /// The batch size of resolved settings (`withReferenceBatch` has filled it).
    let batchSize (r: RunSettings) =
        match r.BatchSize with
        | Some b -> b
        | None -> invalidOp "the batch size of settings that are not resolved (the family's Resolve fills it)"

    let private size (n: int option) = match n with Some n -> Int(int64 n) | None -> Text "default"

    // The run-record entries of the settings (their `config` keys), each written once. A family's description places
    // them in its own order: the order is part of the canonical form its ids hash, so it stays as each family first
    // wrote it.

    /// "dataset".
    let datasetEntry (r: RunSettings) = "dataset", Text(nameOf r.Dataset)

    /// "hidden", "epochs" and "batchSize" of resolved settings.
    let trainingEntries (r: RunSettings) =
        [ "hidden", Items [ for n in r.Hidden -> Int(int64 n) ]
          "epochs", Int(int64 r.Epochs)
          "batchSize", Int(int64 (batchSize r)) ]

    /// "checkInvariants".
    let checkEntry (r: RunSettings) = "checkInvariants", Flag r.CheckInvariants

    /// "trainSize" and "testSize" (a number, or "default": the task's split).
    let sizeEntries (r: RunSettings) = [ "trainSize", size r.TrainSize; "testSize", size r.TestSize ]

    /// The settings a run record's `config` describes (the inverse of the entries above); the seed is the record's
    /// own, kept from `r`. Fails with a `Decode.DecodeError` naming the field.
    let ofRecord (kvs: Decode.Fields) (r: RunSettings) =
        { r with
            Dataset = Decode.dataset kvs
            TrainSize = Decode.size kvs "trainSize"
            TestSize = Decode.size kvs "testSize"
            Hidden = Decode.ints kvs "hidden"
            Epochs = Decode.int kvs "epochs"
            BatchSize = Some(Decode.int kvs "batchSize")
            CheckInvariants = Decode.flag kvs "checkInvariants" }

    /// Every reason the settings cannot run, empty when they can (the layer and batch sizes are the core's checks).
    let problems (r: RunSettings) =
        [ if r.Epochs < 1 then $"epochs must be ≥ 1 (got {r.Epochs})"
          match r.TrainSize with
          | Some n when n < 1 -> $"the training size must be ≥ 1 (got {n})"
          | _ -> ()
          match r.TestSize with
          | Some n when n < 1 -> $"the test size must be ≥ 1 (got {n})"
          | _ -> () ]
