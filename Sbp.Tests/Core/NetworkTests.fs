module Sbp.Tests.Core.NetworkTests

open System
open Expecto
open Sbp.Core.Numerics
open Sbp.Core.Data
open Sbp.Core.Models
open Sbp.Core.Plasticity
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private mnist = lazy (DataSets.load { DataSets.defaultLoad with TrainSize = Some 600; TestSize = Some 300 } DataSets.Mnist10k)

let private trainEpoch (net: SpikingStdpNetwork) d = Sbp.Tests.TestSupport.trainEpoch net net.Parameters.BatchSize d
let private accuracy (net: SpikingStdpNetwork) d = Sbp.Tests.TestSupport.accuracy net net.Parameters.BatchSize d

let private pars (sizes: int[]) =
    let rates = SnnConfig.defaultRates (sizes.Length - 1) |> Array.ofList
    SnnParameters(LayerSizes = sizes, LearningRates = rates)

[<Tests>]
let tests =
    testList "Models/spiking STDP network" [
        testCase "learns real digits well above chance in one epoch, baseline and SBP" <| fun () ->
            let s = mnist.Value
            let withSbp = SnnParameters(LayerSizes = [| 784; 100; 10 |], Rule = BaseRule.SbpBase, Sbp = SbpParameters())
            for p in [ pars [| 784; 100; 10 |]; withSbp ] do
                let net = SpikingStdpNetwork p
                trainEpoch net s.Train
                Expect.isGreaterThan (accuracy net s.Test) 0.3 $"{p.Rule} test accuracy after one epoch of 600 digits (chance: 0.1)"

        testCase "the same seed gives identical weights after an epoch; another seed does not" <| fun () ->
            let s = mnist.Value
            let weights seed =
                let net = SpikingStdpNetwork(SnnParameters(LayerSizes = [| 784; 40; 10 |], Seed = seed, Rule = BaseRule.SbpBase, Sbp = SbpParameters()))
                trainEpoch net s.Train
                net.Weights |> Array.map (fun w -> w.Data)
            Expect.equal (weights 5UL) (weights 5UL) "same seed"
            Expect.notEqual (weights 5UL) (weights 6UL) "another seed"

        testCase "the fast σ: the same seed gives the same weights; the weights differ from the exact σ's, a little; it learns" <| fun () ->
            let s = mnist.Value
            let trained form =
                let net = SpikingStdpNetwork(SnnParameters(LayerSizes = [| 784; 40; 10 |], Rule = BaseRule.SbpBase, Sbp = SbpParameters(), Sigma = form))
                trainEpoch net s.Train
                net
            let fast, again, exact = trained TanhForm.Fast, trained TanhForm.Fast, trained TanhForm.Exact
            let weights (net: SpikingStdpNetwork) = net.Weights |> Array.collect (fun w -> w.Data)
            Expect.equal (weights again) (weights fast) "same seed, same form"
            Expect.notEqual (weights fast) (weights exact) "another σ, other bits"
            let change = Array.fold2 (fun m (a: float32) (b: float32) -> max m (abs (a - b))) 0.0f (weights fast) (weights exact)
            let scale = weights exact |> Array.map abs |> Array.max
            Expect.isLessThan change (0.5f * scale) "the weights after an epoch stay close to the exact σ's"
            Expect.isGreaterThan (accuracy fast s.Test) 0.3 "test accuracy after one epoch of 600 digits (chance: 0.1)"

        testCase "weight bounds and Dale's law hold in a deep net after training, with short-term plasticity" <| fun () ->
            let s = mnist.Value
            let p =
                SnnParameters(
                    LayerSizes = [| 784; 30; 20; 10 |], LearningRates = [| 0.4f; 0.1f; 0.01f |], WeightMin = Nullable -0.2f, WeightMax = Nullable 0.25f,
                    InhibitoryFraction = 0.2f, ShortTermPlasticity = Sbp.Core.Neurons.StpParameters(), Rule = BaseRule.SbpBase, Sbp = SbpParameters(Depth = 2))
            let net = SpikingStdpNetwork p
            trainEpoch net (s.Train.Take 200)
            for l in 0 .. net.Weights.Length - 1 do
                Expect.isTrue (WeightBounds.Holds(net.Weights[l], net.Constraints[l])) $"layer {l}"
            let inh = net.Constraints[1].InhibitoryRows
            Expect.equal inh 6 "20% of 30 hidden neurons are inhibitory"
            Expect.isTrue (net.Weights[1].Data[(30 - inh) * 20 ..] |> Array.forall (fun w -> w <= 0.0f)) "inhibitory rows ≤ 0"
            Expect.isTrue (net.Weights[1].Data[.. (30 - inh) * 20 - 1] |> Array.forall (fun w -> w >= 0.0f)) "excitatory rows ≥ 0"

        testCase "the spike-timing rule trains, and the clean per-batch reset runs" <| fun () ->
            let s = mnist.Value
            let net = SpikingStdpNetwork(SnnParameters(LayerSizes = [| 784; 60; 10 |], Rule = BaseRule.SpikeTiming, ResetStatePerBatch = true))
            trainEpoch net s.Train
            Expect.isGreaterThan (accuracy net s.Test) 0.2 "twice chance after one epoch of 600 digits"

        testCase "bad configurations are refused with the reason" <| fun () ->
            let e = throwsOf<ArgumentException> (fun () -> SpikingStdpNetwork(SnnParameters(Lif = Sbp.Core.Neurons.LifParameters(DtMs = 3.0f))) |> ignore) "dt"
            Expect.stringContains e.Message "dt (3 ms)" "dt named"
            let e = throwsOf<ArgumentException> (fun () -> SpikingStdpNetwork(SnnParameters(LayerSizes = [| 784; -5; 10 |])) |> ignore) "negative"
            Expect.stringContains e.Message "positive" "sizes"
            let e = throwsOf<ArgumentException> (fun () -> SpikingStdpNetwork(SnnParameters(LearningRates = [| 0.1f |])) |> ignore) "rates"
            Expect.stringContains e.Message "1 learning rates for 2 weight layers" "rates"
            let e = throwsOf<ArgumentException> (fun () -> SpikingStdpNetwork(SnnParameters(Sigma = enum<TanhForm> 7)) |> ignore) "σ"
            Expect.stringContains e.Message "Exact or Fast (got 7)" "σ's form"
            let net = SpikingStdpNetwork(SnnParameters(LayerSizes = [| 100; 20; 10 |]))
            let s = mnist.Value
            let e = throwsOf<ArgumentException> (fun () -> net.TrainBatch(s.Train.Features, s.Train.Targets, ReadOnlySpan [| 0; 1 |])) "size"
            Expect.stringContains e.Message "784 features" "layer size vs data"

        testCase "divergence stops training with the layer named" <| fun () ->
            let s = mnist.Value
            let net = SpikingStdpNetwork(SnnParameters(LearningRates = [| 1e38f; 1e38f |], LayerSizes = [| 784; 20; 10 |]))
            let e = throwsOf<TrainingDivergedException> (fun () -> trainEpoch net s.Train) "diverges"
            // a rate of 1e38 overflows the first update: caught as exploding (|w| > 1e4) before any NaN appears
            Expect.stringContains e.Message "exploding" "message"
            Expect.stringContains e.Message "weight layer 0" "the layer is named"
    ]
