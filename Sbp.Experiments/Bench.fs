/// `sbp bench snn`: speed of the default spiking STDP network (784-500-10, batch 50, K = 100) on real MNIST.
module Sbp.Experiments.Bench

open System
open System.Diagnostics
open Sbp.Core.Models
open Sbp.Experiments.SnnConfig

type SnnBench =
    { TrainSamplesPerSecond: float
      TestSamplesPerSecond: float
      SecondsPerEpoch: float
      TrainGflops: float
      Threads: int }

/// Times `batches` training batches and as many inference batches after two warm-up batches of each;
/// seconds per epoch are extrapolated to the default 8,000 / 2,000 split.
let snn (c: SnnConfig) (batches: int) =
    let split = DataSets.load { DataSets.defaultLoad with TrainSize = Some(min 8000 (batches + 2) * c.BatchSize |> min 8000) } DataSets.Mnist
    let train = split.Train
    let p = toParameters c train.FeatureCount train.TargetCount
    let net = SpikingStdpNetwork p
    let order = Array.init train.Count id
    let start i = (i * c.BatchSize) % (train.Count - c.BatchSize + 1)
    for i in 0 .. 1 do
        net.TrainBatch(train.Features, train.Targets, ReadOnlySpan(order, start i, c.BatchSize))
        net.Infer(train.Features, train.Targets, ReadOnlySpan(order, start i, c.BatchSize))
    net.ResetCounters()
    let w = Stopwatch.StartNew()
    for i in 0 .. batches - 1 do net.TrainBatch(train.Features, train.Targets, ReadOnlySpan(order, start i, c.BatchSize))
    let trainSeconds = w.Elapsed.TotalSeconds
    let ops = net.SynapticOps
    w.Restart()
    for i in 0 .. batches - 1 do net.Infer(train.Features, train.Targets, ReadOnlySpan(order, start i, c.BatchSize))
    let testSeconds = w.Elapsed.TotalSeconds
    let samples = float (batches * c.BatchSize)
    let trainRate, testRate = samples / trainSeconds, samples / testSeconds
    { TrainSamplesPerSecond = trainRate
      TestSamplesPerSecond = testRate
      SecondsPerEpoch = 8000.0 / trainRate + 2000.0 / testRate
      TrainGflops = 2.0 * float ops / trainSeconds / 1e9
      Threads = Environment.ProcessorCount }
