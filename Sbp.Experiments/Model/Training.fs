/// The one epoch loop every model family trains with: a built model and its data to a run record (the edge writes
/// it); scores per task (classification, or NETtalk's cosine and phoneme accuracy).
module Sbp.Experiments.Training

open System
open System.Diagnostics
open System.Threading
open Sbp.Core.Data
open Sbp.Core.Metrics
open Sbp.Core.Models
open Sbp.Core.Numerics
open Sbp.Experiments.RunRecord

/// How outputs are scored.
type Task =
    /// argmax of the output against the class label.
    | Classification
    /// NETtalk: cosine similarity of output and target (the paper's metric) and the nearest phoneme.
    | Phonemes of NettalkFeatureTable

/// How a task is scored: NETtalk by phonemes, every other task by class.
let taskOf (d: DataSets.DataSetName) =
    match d with
    | DataSets.Nettalk -> Phonemes NettalkFeatureTable.Default
    | DataSets.Mnist | DataSets.Mnist10k | DataSets.Fashion | DataSets.Dvs -> Classification

/// What a long run reports while it works: batches as they finish, and each finished epoch.
type Report =
    | Batch of epoch: int * epochs: int * stage: string * finished: int * total: int
    | EpochDone of Epoch

/// Scores summed over the batches of one pass.
type Tally() =
    member val Samples = 0 with get, set
    member val Hits = 0 with get, set
    member val HalfSquaredError = 0.0 with get, set
    member val Cosine = 0.0 with get, set
    member val PhonemeHits = 0 with get, set
    member val Energy = 0.0 with get, set
    /// Batches scored, and the sum of their first-of-batch cosines (the spiking MLP reference's NETtalk score).
    member val Batches = 0 with get, set
    member val FirstOfBatchCosine = 0.0 with get, set

    member t.Add(task: Task, output: Matrix, rows: ReadOnlySpan<int>, data: DataSet) =
        t.Samples <- t.Samples + rows.Length
        t.Batches <- t.Batches + 1
        t.HalfSquaredError <- t.HalfSquaredError + Scores.HalfSquaredError(output, rows, data.Targets)
        match task with
        | Classification -> t.Hits <- t.Hits + Scores.ArgMaxHits(output, rows, data.Labels)
        | Phonemes table ->
            t.Cosine <- t.Cosine + Scores.CosineSum(output, rows, data.Targets)
            t.PhonemeHits <- t.PhonemeHits + Scores.NearestPrototypeHits(output, rows, data.Labels, table.Features)
            t.FirstOfBatchCosine <- t.FirstOfBatchCosine + Scores.FirstOfBatchCosine(output, rows, data.Targets)

    /// The record's accuracy: classification accuracy, or mean cosine similarity for NETtalk.
    member t.Accuracy(task: Task) =
        match task with
        | Classification -> float t.Hits / float t.Samples
        | Phonemes _ -> t.Cosine / float t.Samples

    member t.Mse = t.HalfSquaredError / float t.Samples

let private passes (n: int) (batch: int) = [ for b0 in 0 .. batch .. n - 1 -> b0, min batch (n - b0) ]

/// What the epoch loop needs of a model: train on and infer a batch (the samples rows[start .. start+count−1] of a
/// data set), its output for that batch, its counted operations, and model-specific figures.
type ITrainable =
    abstract Train: data: DataSet * rows: int[] * start: int * count: int -> unit
    abstract Infer: data: DataSet * rows: int[] * start: int * count: int -> unit
    abstract Output: Matrix
    abstract SynapticOps: int64
    abstract ResetCounters: unit -> unit
    /// Called before each epoch's training batches (learning-rate schedules).
    abstract BeginEpoch: epoch: int -> unit
    /// An energy of the last inferred batch, per sample (Hebb energy, equilibrium energy ...).
    abstract Energy: unit -> float
    /// Figures of the finished epoch beyond the common ones (spikes per neuron ...).
    abstract EpochExtras: samples: int -> (string * float) list
    /// The live arrays inference reads (weights, biases, state carried between batches): what a saved network holds.
    abstract State: unit -> StateArray list

/// Ensures a per-sample figure of the epoch (energy, loss, MSE, an extra) is neither non-finite nor exploding.
let private ensureScalar (name: string) (x: float) = Divergence.Ensure(x, name)

/// Counts (operations, replaced batches, spikes) grow with the data and the network, not with divergence: they are
/// checked for finiteness only; every other figure (energies, losses, costs, rates) for magnitude too.
let private ensureExtra (name: string) (x: float) =
    let isCount = name.EndsWith("Ops", StringComparison.Ordinal) || name = "replaced" || name.StartsWith("spikes", StringComparison.Ordinal)
    if isCount then (if not (Double.IsFinite x) then Divergence.Ensure(x, $"the epoch's {name}"))
    else ensureScalar $"the epoch's {name}" x

/// The one epoch loop: trains on the training set in `order` (the files' order, or a permutation seeded by the seed and
/// the epoch), then evaluates the test set (and the standard test split beside a held-out one); returns
/// the epochs and the status. Besides the models' own check after every weight update, the loop checks the output
/// state of every batch and the epoch's energy, loss, MSE and extra figures with `Divergence`: a diverged quantity or
/// a violated invariant stops the run with a failed status naming the quantity, the layer and the epoch.
/// `cancel` is checked before every batch: a cancelled run raises OperationCanceledException (no status at all).
/// Checks the output state of the batch just run.
let private outputState (model: ITrainable) (stage: string) (batch: int) =
    let o = model.Output
    Divergence.Ensure(ReadOnlySpan(o.Data), $"the output layer's state ({stage} batch {batch}, {o.Rows}x{o.Cols})")

/// Infers every batch of `d` in its order; the tally (with the energy of every batch when `withEnergy`).
let private evaluate (model: ITrainable) (task: Task) (batchSize: int) (cancel: CancellationToken) (report: Report -> unit) (epoch: int, epochs: int) (stage: string) (d: DataSet) (withEnergy: bool) =
    let rows = Array.init d.Count id
    let batches = passes d.Count batchSize
    let t = Tally()
    for i, (b0, len) in List.indexed batches do
        cancel.ThrowIfCancellationRequested()
        model.Infer(d, rows, b0, len)
        outputState model stage (i + 1)
        t.Add(task, model.Output, ReadOnlySpan(rows, b0, len), d)
        if withEnergy then
            let energy = model.Energy()
            ensureScalar $"the energy ({stage} batch {i + 1})" energy
            t.Energy <- t.Energy + energy * float len
        report (Batch(epoch, epochs, stage, i + 1, batches.Length))
    t

/// The test passes that end every epoch: the test set (with energies), then the standard test split where the test
/// set is held out of the training files. Returns the tallies.
let testPasses (model: ITrainable) (task: Task) (split: DataSplit) (batchSize: int) (cancel: CancellationToken) (report: Report -> unit) (epoch: int, epochs: int) =
    let te = evaluate model task batchSize cancel report (epoch, epochs) "test" split.Test true
    let standard =
        match split.StandardTest with
        | null -> None
        | d -> Some(evaluate model task batchSize cancel report (epoch, epochs) "standard test" d false)
    te, standard

/// What a training run ends with: its epochs, its status, and a copy of the network's inference state taken just
/// before the last epoch's test passes (empty unless every epoch completed): loaded into a fresh network of the same
/// configuration, it scores those passes exactly as recorded.
type Outcome =
    { Epochs: Epoch list
      Status: Status
      FinalState: NetworkFile.Tensor list }

let trainEpochs (model: ITrainable) (task: Task) (split: DataSplit) (order: DataSets.DataOrder) (epochs: int) (batchSize: int) (seed: uint64) (cancel: CancellationToken) (report: Report -> unit) =
    let train = split.Train
    let done' = ResizeArray<Epoch>()
    let mutable status = Completed
    let mutable finalState = []
    let trainBatches = passes train.Count batchSize
    let fileOrder = Array.init train.Count id
    try
        for epoch in 1 .. epochs do
            let watch = Stopwatch.StartNew()
            model.ResetCounters()
            model.BeginEpoch epoch
            let order =
                match order with
                | DataSets.FileOrder -> fileOrder
                | DataSets.ShuffledEachEpoch -> Rng.Derive(seed, 1000UL + uint64 epoch).Permutation train.Count
            let tr = Tally()
            for i, (b0, len) in List.indexed trainBatches do
                cancel.ThrowIfCancellationRequested()
                model.Train(train, order, b0, len)
                outputState model "training" (i + 1)
                tr.Add(task, model.Output, ReadOnlySpan(order, b0, len), train)
                report (Batch(epoch, epochs, "train", i + 1, trainBatches.Length))
            if epoch = epochs then finalState <- NetworkFile.snapshot (model.State())
            let te, standard = testPasses model task split batchSize cancel report (epoch, epochs)
            // the epoch's counted operations and time are those of the protocol's passes (training, then its test set)
            let ops = model.SynapticOps
            let seconds = watch.Elapsed.TotalSeconds
            let extra =
                [ "trainMseCost", tr.Mse
                  "testMseCost", te.Mse
                  "energy", te.Energy / float te.Samples
                  yield! model.EpochExtras(train.Count + split.Test.Count)
                  match task with
                  | Phonemes _ ->
                      "trainPhonemeAccuracy", float tr.PhonemeHits / float tr.Samples
                      "testPhonemeAccuracy", float te.PhonemeHits / float te.Samples
                      "testCosineFirstOfBatch", te.FirstOfBatchCosine / float te.Batches
                  | Classification -> ()
                  match standard with
                  | Some st -> "standardTestAccuracy", st.Accuracy task
                  | None -> () ]
            for name, value in extra do ensureExtra name value
            let trainAcc, testAcc = tr.Accuracy task, te.Accuracy task
            ensureScalar "the training accuracy" trainAcc
            ensureScalar "the test accuracy" testAcc
            let record =
                { Epoch = epoch
                  TrainAccuracy = trainAcc
                  TestAccuracy = testAcc
                  TrainError = 1.0 - trainAcc
                  TestError = 1.0 - testAcc
                  Seconds = seconds
                  SynapticOps = ops
                  Extra = extra }
            done'.Add record
            report (EpochDone record)
    with
    | :? TrainingDivergedException as e -> status <- Failed $"epoch {done'.Count + 1}: {e.Message}"
    | :? InvariantViolationException as e -> status <- Failed $"epoch {done'.Count + 1}: {e.Message}"
    { Epochs = List.ofSeq done'; Status = status; FinalState = (if status = Completed then finalState else []) }

/// A network of the core as a trainable model: its energy, epoch hook and extra figures are given by the caller.
type NetworkModel(net: ISupervisedNetwork, energy: unit -> float, beginEpoch: int -> unit, extras: int -> (string * float) list) =
    interface ITrainable with
        member _.Train(d, rows, start, count) = net.TrainBatch(d.Features, d.Targets, ReadOnlySpan(rows, start, count))
        member _.Infer(d, rows, start, count) = net.Infer(d.Features, d.Targets, ReadOnlySpan(rows, start, count))
        member _.Output = net.Output
        member _.SynapticOps = net.SynapticOps
        member _.ResetCounters() = net.ResetCounters()
        member _.BeginEpoch epoch = beginEpoch epoch
        member _.Energy() = energy ()
        member _.EpochExtras samples = extras samples
        member _.State() = List.ofSeq (net.InferenceState())

/// The spiking STDP network: Hebb energy, spikes per neuron and sample of every layer.
let snnModel (net: SpikingStdpNetwork) =
    let sizes = net.Parameters.LayerSizes
    NetworkModel(net, net.HebbEnergy, ignore, fun samples ->
        [ for l in 1 .. sizes.Length - 1 -> $"spikesPerNeuronLayer{l}", float net.Spikes[l] / (float samples * float sizes[l]) ])

/// The equilibrium-propagation network as a trainable model, with persistent particles per data set.
type EqPropModel(net: EnergyNetwork, train: DataSet, test: DataSet, standardTest: DataSet option) =
    let trainParticles = net.CreateParticles train.Count
    let testParticles = net.CreateParticles test.Count
    let standardParticles = standardTest |> Option.map (fun d -> d, net.CreateParticles d.Count)
    // any other data set (the standard test split beside a held-out one) gets particles of its own on first use
    let others = Collections.Generic.Dictionary<DataSet, _>(HashIdentity.Reference)
    let particlesOf (d: DataSet) =
        if obj.ReferenceEquals(d, train) then trainParticles
        elif obj.ReferenceEquals(d, test) then testParticles
        else
          match standardParticles with
          | Some(s, p) when obj.ReferenceEquals(d, s) -> p
          | _ ->
            match others.TryGetValue d with
            | true, p -> p
            | _ ->
                let p = net.CreateParticles d.Count
                others[d] <- p
                p
    member _.Network = net
    interface ITrainable with
        member _.Train(d, rows, start, count) = net.TrainBatch(d.Features, d.Targets, ReadOnlySpan(rows, start, count), particlesOf d)
        member _.Infer(d, rows, start, count) = net.Infer(d.Features, d.Targets, ReadOnlySpan(rows, start, count), particlesOf d)
        member _.Output = net.Output
        member _.SynapticOps = net.SynapticOps
        member _.ResetCounters() = net.ResetCounters()
        member _.BeginEpoch _ = ()
        member _.Energy() = net.FreeEnergy()
        member _.EpochExtras _ = []
        /// Weights and biases, and the particles the test passes start from: "particles.test.ℓ" and, beside a
        /// held-out test set, "particles.standardTest.ℓ" (samples x n_ℓ, ℓ ≥ 1).
        member _.State() =
            let particles (set: string) (p: ParticleStore) =
                [ for l in 1 .. p.States.Length - 1 -> SingleArray($"particles.{set}.{l}", [| p.States[l].Rows; p.States[l].Cols |], p.States[l].Data) :> StateArray ]
            [ yield! net.InferenceState()
              yield! particles "test" testParticles
              match standardParticles with
              | Some(_, p) -> yield! particles "standardTest" p
              | None -> () ]

/// The spiking MLP: its "energy" is the batch loss; each epoch reports the operations spent on hidden backprop
/// gradients and on their replacements, and the learning rate of the schedule.
let smlpModel (net: SpikingMlp) =
    NetworkModel(net, (fun () -> float net.Loss), net.BeginEpoch, fun _ ->
        [ "hiddenBackpropOps", float net.HiddenBackpropOps
          "replacementOps", float net.ReplacementOps
          "replaced", float net.Replaced
          "learningRate", float net.LearningRate ])

/// A model built for a run: what trains, the figures its parameters add to the record (layer sizes ...), and the
/// artifacts it leaves once trained.
type Built =
    { Model: ITrainable
      /// The network's threads and phase clock (set by the runner or the bench; they never change results).
      Execution: INetworkExecution
      Extra: (string * Value) list
      Artifacts: unit -> Artifacts.Artifacts }

/// Trains a built model for `epochs` epochs (until `cancel`): its run record (the git commit is the edge's to fill
/// in) and the network's final inference state (Outcome.FinalState).
let run (built: Built) (config: (string * Value) list) (dataset: DataSets.DataSetName) (split: DataSplit) (order: DataSets.DataOrder) (epochs: int) (batchSize: int) (seed: uint64) (cancel: CancellationToken) (report: Report -> unit) =
    let outcome = trainEpochs built.Model (taskOf dataset) split order epochs batchSize seed cancel report
    { Config = config @ built.Extra
      Seed = seed
      Dataset = { Name = split.Train.Name; TrainSize = split.Train.Count; TestSize = split.Test.Count; Provenance = split.Train.Provenance }
      Epochs = outcome.Epochs
      Status = outcome.Status
      GitCommit = "unknown" },
    outcome.FinalState
