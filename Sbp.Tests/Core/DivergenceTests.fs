module Sbp.Tests.Core.DivergenceTests

open System
open Expecto
open Sbp.Core.Learning
open Sbp.Core.Models
open Sbp.Core.Numerics

/// Random inputs in [0, 1] and one-hot targets for a batch of 10 samples.
let private data (inputs: int) (outputs: int) =
    let rng = Rng 3UL
    let x = Matrix(10, inputs, Array.init (10 * inputs) (fun _ -> rng.NextSingle()))
    let y = Matrix(10, outputs)
    for r in 0 .. 9 do y.Data[r * outputs + r % outputs] <- 1f
    x, y

/// Trains up to 20 batches; the divergence message, or None when training went on.
let private divergesWithin (train: unit -> unit) =
    try
        for _ in 1 .. 20 do train ()
        None
    with :? TrainingDivergedException as e -> Some e.Message

let private rows = [| 0 .. 9 |]

[<Tests>]
let tests =
    testList "Models/divergence" [
        test "finite, moderate values pass; NaN, infinities and exploding magnitudes are named" {
            Expect.isNull (Divergence.Check(ReadOnlySpan [| 0.5f; -3f; 9e3f |])) "moderate"
            Expect.stringContains (Divergence.Check(ReadOnlySpan [| 0f; nanf; 1f |])) "non-finite" "NaN"
            Expect.stringContains (Divergence.Check(ReadOnlySpan [| 0f; -infinityf |])) "non-finite" "-∞"
            Expect.stringContains (Divergence.Check(ReadOnlySpan [| 0f; -2e6f |])) "exploding" "|x| > 1e4"
            Expect.isNull (Divergence.Check 1.0) "scalar"
            Expect.stringContains (Divergence.Check -8.7e30) "exploding" "an energy of -8.7e30"
        }

        test "the spiking STDP network with α = 1e6 stops with the diverging layer named" {
            let x, y = data 20 4
            let net = SpikingStdpNetwork(SnnParameters(LayerSizes = [| 20; 12; 4 |], BatchSize = 10, LearningRates = [| 1e6f; 1e6f |]))
            let m = divergesWithin (fun () -> net.TrainBatch(x, y, ReadOnlySpan rows))
            Expect.isSome m "diverges"
            Expect.stringContains m.Value "layer" "names the layer"
        }

        test "equilibrium propagation with α = 1e6 stops instead of completing with exploded energies" {
            let x, y = data 20 4
            let net = EnergyNetwork(EqPropParameters(LayerSizes = [| 20; 12; 4 |], BatchSize = 10, LearningRates = [| 1e6f; 1e6f |]))
            let particles = net.CreateParticles 10
            let m = divergesWithin (fun () -> net.TrainBatch(x, y, ReadOnlySpan rows, particles))
            Expect.isSome m "diverges"
            Expect.stringContains m.Value "exploding" "an exploding quantity"
        }

        test "the spiking MLP with an Adam rate of 1e6 stops with the diverging layer named" {
            let x, y = data 20 4
            let p = SmlpParameters(LayerSizes = [| 20; 12; 4 |], BatchSize = 10, Steps = 4, Encoding = InputEncoding.Static,
                                   Adam = AdamParameters(LearningRate = 1e6f))
            let net = SpikingMlp p
            let m = divergesWithin (fun () -> net.TrainBatch(x, y, ReadOnlySpan rows))
            Expect.isSome m "diverges"
            Expect.stringContains m.Value "weight layer" "names the layer"
        }

        test "the same networks at their default rates do not count as diverged" {
            let x, y = data 20 4
            let snn = SpikingStdpNetwork(SnnParameters(LayerSizes = [| 20; 12; 4 |], BatchSize = 10))
            Expect.isNone (divergesWithin (fun () -> snn.TrainBatch(x, y, ReadOnlySpan rows))) "snn"
            let eq = EnergyNetwork(EqPropParameters(LayerSizes = [| 20; 12; 4 |], BatchSize = 10))
            let particles = eq.CreateParticles 10
            Expect.isNone (divergesWithin (fun () -> eq.TrainBatch(x, y, ReadOnlySpan rows, particles))) "eqprop"
        }
    ]
