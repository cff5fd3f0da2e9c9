/// Runs a configuration: a function from config and data to a run record (the CLI writes it). One epoch loop for
/// the spiking STDP network; scores per task (classification, or NETtalk's cosine and phoneme accuracy).
module Sbp.Experiments.Training

open System
open System.Diagnostics
open Sbp.Core.Data
open Sbp.Core.Metrics
open Sbp.Core.Models
open Sbp.Core.Numerics
open Sbp.Experiments.RunRecord
open Sbp.Experiments.SnnConfig

/// How outputs are scored.
type Task =
    /// argmax of the output against the class label.
    | Classification
    /// NETtalk: cosine similarity of output and target (the paper's metric) and the nearest phoneme.
    | Phonemes of NettalkFeatureTable

let taskOf (d: DataSet) = if d.Name = "nettalk" then Phonemes NettalkFeatureTable.Default else Classification

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

    member t.Add(task: Task, output: Matrix, rows: ReadOnlySpan<int>, data: DataSet) =
        t.Samples <- t.Samples + rows.Length
        t.HalfSquaredError <- t.HalfSquaredError + Scores.HalfSquaredError(output, rows, data.Targets)
        match task with
        | Classification -> t.Hits <- t.Hits + Scores.ArgMaxHits(output, rows, data.Labels)
        | Phonemes table ->
            t.Cosine <- t.Cosine + Scores.CosineSum(output, rows, data.Targets)
            t.PhonemeHits <- t.PhonemeHits + Scores.NearestPrototypeHits(output, rows, data.Labels, table.Features)

    /// The record's accuracy: classification accuracy, or mean cosine similarity for NETtalk.
    member t.Accuracy(task: Task) =
        match task with
        | Classification -> float t.Hits / float t.Samples
        | Phonemes _ -> t.Cosine / float t.Samples

    member t.Mse = t.HalfSquaredError / float t.Samples

let private passes (n: int) (batch: int) = [ for b0 in 0 .. batch .. n - 1 -> b0, min batch (n - b0) ]

/// Trains and evaluates a spiking STDP network for `c.Epochs` epochs; returns its run record and the trained network.
let trainSnn (c: SnnConfig) (split: DataSplit) (report: Report -> unit) : Record * SpikingStdpNetwork =
    let train, test = split.Train, split.Test
    let p = toParameters c train.FeatureCount train.TargetCount
    let net = SpikingStdpNetwork p
    let task = taskOf train
    let epochs = ResizeArray<Epoch>()
    let mutable status = Completed
    let trainBatches = passes train.Count c.BatchSize
    let testBatches = passes test.Count c.BatchSize
    let testOrder = Array.init test.Count id
    try
        for epoch in 1 .. c.Epochs do
            let watch = Stopwatch.StartNew()
            net.ResetCounters()
            let order = Rng.Derive(c.Seed, 1000UL + uint64 epoch).Permutation train.Count
            let tr = Tally()
            for i, (b0, len) in List.indexed trainBatches do
                let rows = ReadOnlySpan(order, b0, len)
                net.TrainBatch(train.Features, train.Targets, rows)
                tr.Add(task, net.Output, rows, train)
                report (Batch(epoch, c.Epochs, "train", i + 1, trainBatches.Length))
            let te = Tally()
            for i, (b0, len) in List.indexed testBatches do
                let rows = ReadOnlySpan(testOrder, b0, len)
                net.Infer(test.Features, test.Targets, rows)
                te.Add(task, net.Output, rows, test)
                te.Energy <- te.Energy + net.HebbEnergy() * float len
                report (Batch(epoch, c.Epochs, "test", i + 1, testBatches.Length))
            let seconds = watch.Elapsed.TotalSeconds
            let samples = float (train.Count + test.Count)
            let extra =
                [ "trainMseCost", tr.Mse
                  "testMseCost", te.Mse
                  "hebbEnergy", te.Energy / float te.Samples
                  for l in 1 .. p.LayerSizes.Length - 1 do
                      $"spikesPerNeuronLayer{l}", float net.Spikes[l] / (samples * float p.LayerSizes[l])
                  match task with
                  | Phonemes _ ->
                      "trainPhonemeAccuracy", float tr.PhonemeHits / float tr.Samples
                      "testPhonemeAccuracy", float te.PhonemeHits / float te.Samples
                  | Classification -> () ]
            let trainAcc, testAcc = tr.Accuracy task, te.Accuracy task
            let record =
                { Epoch = epoch
                  TrainAccuracy = trainAcc
                  TestAccuracy = testAcc
                  TrainError = 1.0 - trainAcc
                  TestError = 1.0 - testAcc
                  Seconds = seconds
                  SynapticOps = net.SynapticOps
                  Extra = extra }
            epochs.Add record
            report (EpochDone record)
    with
    | :? TrainingDivergedException as e -> status <- Failed $"epoch {epochs.Count + 1}: {e.Message}"
    | :? InvariantViolationException as e -> status <- Failed $"epoch {epochs.Count + 1}: {e.Message}"
    { Config = configValues c p
      Seed = c.Seed
      Dataset = { Name = train.Name; TrainSize = train.Count; TestSize = test.Count; Provenance = train.Provenance }
      Epochs = List.ofSeq epochs
      Status = status
      GitCommit = gitCommit.Value },
    net

/// Trains and evaluates a spiking STDP network and returns its run record.
let runSnn c split report = fst (trainSnn c split report)

/// The load options that give the split a config asks for.
let loadOptions (c: SnnConfig) (baseOptions: DataSets.LoadOptions) =
    { baseOptions with TrainSize = c.TrainSize; TestSize = c.TestSize }
