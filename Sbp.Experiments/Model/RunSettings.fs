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
      /// The order an epoch visits the training samples in (each family's default is its reference's).
      Order: DataOrder
      /// None: the task's reference test set (the family decides: EqProp on MNIST holds out training images).
      TestSet: TestSet option
      /// What the data is (DataSets.Identity): "standard" for the provisioned files, else the content hash of the
      /// files a user supplied, so that runs on other data never share an id with runs on the standard data.
      Source: string
      /// Check the model's invariants (weight bounds, signs, finiteness) after every update; a violation fails the run.
      CheckInvariants: bool
      Seed: uint64 }

/// Building, resolving and checking the settings every family has (their record entries, keys and read-back: Schema.Run).
[<RequireQualifiedAccess>]
module RunSettings =
    /// The paper's run on MNIST (the task's split and batch, 10 epochs) of a network with the given hidden layers,
    /// invariant checks and seed: each family passes its core's defaults.
    let onMnist (order: DataOrder) (hidden: int list) (checkInvariants: bool) (seed: uint64) : RunSettings =
        { Dataset = Mnist
          TrainSize = None
          TestSize = None
          Hidden = hidden
          Epochs = 10
          BatchSize = None
          Order = order
          TestSet = None
          Source = DataSets.Identity.standard
          CheckInvariants = checkInvariants
          Seed = seed }

    /// The settings with the family's per-task references filled in: the batch size and the test set (a value set
    /// explicitly is kept).
    let withReference (referenceBatch: DataSetName -> int) (referenceTestSet: DataSetName -> TestSet) (r: RunSettings) =
        { r with
            BatchSize = Some(r.BatchSize |> Option.defaultValue (referenceBatch r.Dataset))
            TestSet = Some(r.TestSet |> Option.defaultValue (referenceTestSet r.Dataset)) }

    /// Every task's own test split (the reference of the spiking network and the spiking MLP).
    let standardTest (_: DataSetName) = StandardTest

    /// The batch size of resolved settings (`withReference` has filled it).
    let batchSize (r: RunSettings) =
        match r.BatchSize with
        | Some b -> b
        | None -> invalidOp "the batch size of settings that are not resolved (the family's Resolve fills it)"

    /// The test set of resolved settings (`withReference` has filled it).
    let testSet (r: RunSettings) = defaultArg r.TestSet StandardTest

    /// The text of a data order in records, ids and on the command line ("file", "shuffled").
    let orderText (o: DataOrder) =
        match o with
        | FileOrder -> "file"
        | ShuffledEachEpoch -> "shuffled"

    /// A data order from its text.
    let parseOrder (s: string) =
        match s.Trim().ToLowerInvariant() with
        | "file" -> Ok FileOrder
        | "shuffled" -> Ok ShuffledEachEpoch
        | t -> Error $"unknown data order '{t}'; expected file or shuffled"

    /// The text of a test set in records and ids ("standard", "held-out").
    let testSetText (t: TestSet) =
        match t with
        | StandardTest -> "standard"
        | HeldOutTraining -> "held-out"

    /// Entries added after the schema version, with the value every earlier record had: every earlier run was
    /// shuffled each epoch and tested on the standard test split, so their ids keep their meaning.
    let introduced = [ "dataOrder", Text "shuffled"; "testSet", Text "standard"; "dataSource", Text DataSets.Identity.standard ]

    /// Every reason the settings cannot run, empty when they can (the layer and batch sizes are the core's checks).
    let problems (r: RunSettings) =
        [ if r.Epochs < 1 then $"epochs must be ≥ 1 (got {r.Epochs})"
          match r.TrainSize with
          | Some n when n < 1 -> $"the training size must be ≥ 1 (got {n})"
          | _ -> ()
          match r.TestSize with
          | Some n when n < 1 -> $"the test size must be ≥ 1 (got {n})"
          | _ -> () ]
