module Sbp.Tests.Core.ThreadTests

open System
open Expecto
open Sbp.Core.Models
open Sbp.Core.Numerics
open Sbp.Core.Plasticity
open Sbp.Experiments

let private mnist = lazy (DataSets.load { DataSets.defaultLoad with TrainSize = Some 300; TestSize = Some 100 } DataSets.Mnist10k)

/// Weights and biases after a few training batches (the last one short), flattened.
let private afterBatches (net: ISupervisedNetwork) (batch: int) (weights: Matrix[]) (biases: float32[][]) =
    let d = mnist.Value.Train
    let order = Array.init d.Count id
    for b0 in [ 0; batch; 2 * batch ] do net.TrainBatch(d.Features, d.Targets, ReadOnlySpan(order, b0, if b0 = 2 * batch then batch - 3 else batch))
    [ for w in weights -> Array.copy w.Data ], [ for b in biases -> Array.copy b ]

[<Tests>]
let tests =
    testList "Core/Threads" [
        testCase "spiking STDP network: the same bits with 1, 2 and 3 threads, and with a spike observer attached" <| fun () ->
            let variants =
                [ "SBP", SnnParameters(LayerSizes = [| 784; 60; 10 |], BatchSize = 50, Rule = BaseRule.SbpBase, Sbp = SbpParameters(), Seed = 11UL)
                  // Dale's populations, short-term plasticity and spike-timing STDP take the separate LIF passes and
                  // the batch-wide trace steps
                  "Dale, STP, spike timing",
                  SnnParameters(LayerSizes = [| 784; 40; 30; 10 |], BatchSize = 50, LearningRates = [| 0.4f; 0.1f; 0.1f |], InhibitoryFraction = 0.25f,
                                ShortTermPlasticity = Sbp.Core.Neurons.StpParameters(), Rule = BaseRule.SpikeTiming, Seed = 12UL) ]
            for name, p in variants do
                let run threads observed =
                    let net = SpikingStdpNetwork p
                    net.Threads <- threads
                    let recorder = SpikeRecorder()
                    if observed then net.SpikeObserver <- recorder
                    let result = afterBatches net 50 net.Weights net.Biases
                    result, net.Spikes |> Array.copy, net.SynapticOps, recorder.Spikes.Count
                let one, spikes, ops, _ = run 1 false
                for threads in [ 2; 3 ] do
                    Expect.equal (run threads false) (one, spikes, ops, 0) $"{name}: {threads} threads"
                let observed, observedSpikes, observedOps, logged = run 2 true
                Expect.equal (observed, observedSpikes, observedOps) (one, spikes, ops) $"{name}: observed"
                // the observer saw every spike the network counted
                Expect.equal (int64 logged) (Array.sum observedSpikes) $"{name}: every spike observed"

        testCase "equilibrium propagation: the same bits with 1, 2 and 3 threads" <| fun () ->
            let run threads =
                let p = EqPropParameters(LayerSizes = [| 784; 40; 10 |], BatchSize = 20, Seed = 4UL)
                let net = EnergyNetwork p
                net.Threads <- threads
                let d = mnist.Value.Train
                let particles = net.CreateParticles d.Count
                let order = Array.init d.Count id
                for b0 in [ 0; 20; 40; 60 ] do net.TrainBatch(d.Features, d.Targets, ReadOnlySpan(order, b0, if b0 = 60 then 13 else 20), particles)
                [ for w in net.Weights -> Array.copy w.Data ], [ for b in net.Biases -> Array.copy b ], [ for s in particles.States -> Array.copy s.Data ]
            let one = run 1
            Expect.equal (run 2) one "2 threads"
            Expect.equal (run 3) one "3 threads"

        testCase "equilibrium propagation: the block relaxation equals layer-wide Jacobi steps bit for bit" <| fun () ->
            let p = EqPropParameters(LayerSizes = [| 784; 30; 20; 10 |], BatchSize = 20, LearningRates = [| 0.1f; 0.1f; 0.1f |], Seed = 8UL)
            let net = EnergyNetwork p
            let d = mnist.Value.Train
            let particles = net.CreateParticles d.Count
            let rows = Array.init 19 id
            net.LoadBatch(d.Features, d.Targets, ReadOnlySpan rows, particles)
            let states = [| for l in 0 .. 3 -> net.FreeState l |]
            let copy () = [| for s in states -> s.Clone() |]
            let start = copy ()
            net.Relax(states, 5, 0.3f)
            let blocks = copy ()
            for l in 1 .. 3 do start[l].Data.CopyTo(states[l].Data, 0)
            let grads = [| for s in states -> Matrix(s.Rows, s.Cols) |]
            for _ in 1 .. 5 do
                for j in 1 .. 3 do net.StateGradient(states, j, grads[j], 0.3f)
                for j in 1 .. 3 do
                    let s = states[j].Data.AsSpan(0, 19 * states[j].Cols)
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan(grads[j].Data, 0, s.Length), -p.Epsilon, s, s)
                    Activations.Clip01(s, s)
            for l in 1 .. 3 do Expect.equal states[l].Data blocks[l].Data $"layer {l}"

        testCase "spiking MLP: the same bits with 1, 2 and 3 threads" <| fun () ->
            let run threads =
                let net = SpikingMlp(SmlpParameters(LayerSizes = [| 784; 64; 10 |], BatchSize = 50, Seed = 7UL))
                net.Threads <- threads
                afterBatches net 50 net.Weights [||]
            let one = run 1
            Expect.equal (run 2) one "2 threads"
            Expect.equal (run 3) one "3 threads"
    ]

[<Tests>]
let teamTests =
    testList "Core/Team" [
        testCase "every part runs exactly once in its own region, region after region, with 1 to 4 parts" <| fun () ->
            let regions = 3000
            let hits = Array.zeroCreate<int> (regions * 4)
            for r in 0 .. regions - 1 do
                let parts = 1 + r % 4
                Team.For(parts, fun part -> Threading.Interlocked.Increment(&hits[r * 4 + part]) |> ignore)
            for r in 0 .. regions - 1 do
                let parts = 1 + r % 4
                for part in 0 .. 3 do
                    Expect.equal hits[r * 4 + part] (if part < parts then 1 else 0) $"region {r}, part {part} of {parts}"

        testCase "helpers that have gone to sleep are woken for the next region" <| fun () ->
            let mutable total = 0
            for pause in [ 0; 5; 1; 12; 0; 8; 3; 20 ] do
                Threading.Thread.Sleep pause
                Team.For(3, fun part -> Threading.Interlocked.Add(&total, part + 1) |> ignore)
            Expect.equal total (8 * 6) "each region adds 1 + 2 + 3"

        testCase "a part's exception reaches the caller with its own type, and the next region runs" <| fun () ->
            Expect.throwsT<InvalidOperationException>
                (fun () -> Team.For(2, fun part -> if part = 1 then invalidOp "part 1 fails"))
                "the helper's exception"
            Expect.throwsT<ArgumentException>
                (fun () -> Team.For(2, fun part -> if part = 0 then invalidArg "x" "part 0 fails"))
                "the caller's own part"
            let ran = Array.zeroCreate<int> 2
            Team.For(2, fun part -> ran[part] <- ran[part] + 1)
            Expect.equal ran [| 1; 1 |] "the region after a failure"

        testCase "more parts than cores: every part runs once, from a thread of its own" <| fun () ->
            let parts = Environment.ProcessorCount + 7
            let hits = Array.zeroCreate<int> parts
            let worker = Threading.Thread(fun () ->
                for _ in 1 .. 50 do Team.For(parts, fun part -> Threading.Interlocked.Increment(&hits[part]) |> ignore))
            worker.Start()
            Expect.isTrue (worker.Join 60_000) "the regions finish"
            Expect.equal hits (Array.create parts 50) "each part once per region"

        testCase "a region opened inside a part runs all its parts" <| fun () ->
            let inner = Array.zeroCreate<int> 6
            Team.For(2, fun outer -> Team.For(3, fun i -> Threading.Interlocked.Increment(&inner[outer * 3 + i]) |> ignore))
            Expect.equal inner (Array.create 6 1) "every inner part of both outer parts, once"
    ]
