module Sbp.Tests.Core.SpikingMlpTests

open System
open Expecto
open FsCheck
open Sbp.Core.Learning
open Sbp.Core.Models
open Sbp.Core.Numerics
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private mnist = lazy (DataSets.load { DataSets.defaultLoad with TrainSize = Some 1000; TestSize = Some 300 } DataSets.Mnist10k)

let private trainEpoch (net: SpikingMlp) (d: Sbp.Core.Data.DataSet) (epoch: int) =
    net.BeginEpoch epoch
    Sbp.Tests.TestSupport.trainEpoch net net.Parameters.BatchSize d

let private accuracy (net: SpikingMlp) d = Sbp.Tests.TestSupport.accuracy net net.Parameters.BatchSize d

let private small rule =
    SmlpParameters(LayerSizes = [| 784; 64; 10 |], BatchSize = 50, Rule = rule, Seed = 7UL)

/// Adam in double precision, written from the paper's algorithm.
let private scalarAdam (lr: float) (grads: float[] list) (theta0: float[]) =
    let b1, b2, eps = 0.9, 0.999, 1e-8
    let theta = Array.copy theta0
    let m = Array.zeroCreate theta.Length
    let v = Array.zeroCreate theta.Length
    grads
    |> List.iteri (fun step g ->
        let t = float (step + 1)
        for i in 0 .. theta.Length - 1 do
            m[i] <- b1 * m[i] + (1.0 - b1) * g[i]
            v[i] <- b2 * v[i] + (1.0 - b2) * g[i] * g[i]
            theta[i] <- theta[i] - lr * (m[i] / (1.0 - b1 ** t)) / (sqrt (v[i] / (1.0 - b2 ** t)) + eps))
    theta

[<Tests>]
let tests =
    testList "Models/spiking MLP" [
        property "BPTT gradients agree with finite differences of the smoothed model" <| fun (seed: uint64) (deep: bool) ->
            let sizes = if deep then [| 5; 4; 4; 3 |] else [| 5; 4; 3 |]
            let p = SmlpParameters(LayerSizes = sizes, Steps = 4, BatchSize = 2, Spike = SpikeFunction.Smooth, Encoding = InputEncoding.Static, Seed = seed)
            let net = SpikingMlp p
            let rng = Rng seed
            let x = Matrix(2, 5, Array.init 10 (fun _ -> rng.NextSingle()))
            let y = Matrix(2, 3, Array.init 6 (fun _ -> rng.NextSingle()))
            let rows = [| 0; 1 |]
            net.ComputeGradients(x, y, ReadOnlySpan rows)
            let mutable ok = true
            for k in 0 .. sizes.Length - 2 do
                let g = net.Gradient(k).Data |> Array.copy
                let w = net.Weights[k].Data
                for idx in 0 .. w.Length - 1 do
                    let h = 1e-3f
                    let orig = w[idx]
                    w[idx] <- orig + h
                    net.Infer(x, y, ReadOnlySpan rows)
                    let lp = float net.Loss
                    w[idx] <- orig - h
                    net.Infer(x, y, ReadOnlySpan rows)
                    let lm = float net.Loss
                    w[idx] <- orig
                    let fd = (lp - lm) / (2.0 * float h)
                    if abs (fd - float g[idx]) > 2e-3 * max 1.0 (abs fd) + 2e-4 then ok <- false
            ok

        property "Adam matches a scalar reference on random problems" <| fun (seed: uint64) (steps: byte) ->
            let rng = Rng seed
            let n = 7
            let theta0 = Array.init n (fun _ -> float (rng.NextSingle() - 0.5f))
            let grads = [ for _ in 0 .. int steps % 30 -> Array.init n (fun _ -> float ((rng.NextSingle() - 0.5f) * 4.0f)) ]
            let adam = Adam(n, AdamParameters(LearningRate = 0.01f))
            let theta = theta0 |> Array.map float32
            for g in grads do adam.Step(Span theta, ReadOnlySpan(g |> Array.map float32), 0.01f)
            let expected = scalarAdam 0.01 grads theta0
            Array.forall2 (fun (a: float32) b -> abs (float a - b) < 1e-4) theta expected

        testCase "p = 0 is plain backprop exactly" <| fun () ->
            let d = mnist.Value.Train.Take 300
            let run (p: SmlpParameters) =
                let net = SpikingMlp p
                trainEpoch net d 1
                net.Weights |> Array.map (fun w -> w.Data)
            Expect.equal (run (SmlpParameters(LayerSizes = [| 784; 64; 10 |], BatchSize = 50, Rule = HiddenGradient.Sbp, ReplaceProportion = 0.0f, Seed = 7UL))) (run (small HiddenGradient.Backprop)) "identical weights"

        testCase "p = 1 never computes the hidden backprop gradient, and the SBP gradient costs less" <| fun () ->
            let d = mnist.Value.Train.Take 300
            let bp = SpikingMlp(small HiddenGradient.Backprop)
            trainEpoch bp d 1
            for rule in [ HiddenGradient.Sbp; HiddenGradient.SbpOperator; HiddenGradient.Zero ] do
                let net = SpikingMlp(small rule)
                trainEpoch net d 1
                Expect.equal net.HiddenBackpropOps 0L $"{rule}: no hidden backprop"
                Expect.equal net.Replaced 6L $"{rule}: every batch replaced"
                Expect.isLessThan net.ReplacementOps bp.HiddenBackpropOps $"{rule}: replacement cheaper than the backprop it replaces"

        testCase "the zero control leaves the hidden weights unchanged" <| fun () ->
            let net = SpikingMlp(small HiddenGradient.Zero)
            let before = net.Weights[0].Data |> Array.copy
            let beforeOut = net.Weights[1].Data |> Array.copy
            trainEpoch net (mnist.Value.Train.Take 200) 1
            Expect.equal net.Weights[0].Data before "hidden weights"
            Expect.notEqual net.Weights[1].Data beforeOut "the output layer still learns"

        testCase "learns real digits; the same seed gives the same weights" <| fun () ->
            let s = mnist.Value
            let net = SpikingMlp(small HiddenGradient.Backprop)
            trainEpoch net s.Train 1
            Expect.isGreaterThan (accuracy net s.Test) 0.6 "one epoch of 1,000 digits (chance 0.1)"
            let again = SpikingMlp(small HiddenGradient.Backprop)
            trainEpoch again s.Train 1
            Expect.equal (again.Weights |> Array.map (fun w -> w.Data)) (net.Weights |> Array.map (fun w -> w.Data)) "determinism"

        testCase "the reference per-step form replaces every step but the k-th, with its quirks" <| fun () ->
            let d = mnist.Value.Train.Take 200
            let net = SpikingMlp(SmlpParameters(LayerSizes = [| 784; 64; 10 |], BatchSize = 50, Rule = HiddenGradient.Sbp, Form = ReplacementForm.PerStep, AlternateEvery = 2, ReferenceQuirks = true, Seed = 7UL))
            let biases = net.Biases |> Array.map Array.copy
            trainEpoch net d 1
            Expect.equal net.Replaced (4L * 10L) "10 of 20 steps replaced in each of 4 batches"
            Expect.equal net.Biases biases "no bias trains under the quirks"
            Expect.isTrue (net.Weights |> Array.forall (fun w -> w.Data |> Array.forall Single.IsFinite)) "finite"

        testCase "bad configurations are refused" <| fun () ->
            let e = throwsOf<ArgumentException> (fun () -> SpikingMlp(SmlpParameters(ReplaceProportion = 1.5f)) |> ignore) "p"
            Expect.stringContains e.Message "replacement proportion" "named"
            throwsOf<ArgumentException> (fun () -> SpikingMlp(SmlpParameters(Steps = 0)) |> ignore) "T" |> ignore
    ]
