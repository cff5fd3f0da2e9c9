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


/// Finite differences of the loss (the network's Loss, energy included) with respect to every weight.
let private finiteDifferences (net: SpikingMlp) (x: Matrix) (y: Matrix) (rows: int[]) =
    [| for k in 0 .. net.Weights.Length - 1 ->
        let w = net.Weights[k].Data
        Array.init w.Length (fun idx ->
            let h = 1e-3f
            let orig = w[idx]
            w[idx] <- orig + h
            net.Infer(x, y, ReadOnlySpan rows)
            let lp = float net.Loss
            w[idx] <- orig - h
            net.Infer(x, y, ReadOnlySpan rows)
            let lm = float net.Loss
            w[idx] <- orig
            (lp - lm) / (2.0 * float h)) |]

let private cell (m: Matrix) b j = float m.Data[b * m.Cols + j]

/// The energy written literally, in double precision: for every weight layer k, with h_ℓ the last step's spikes,
/// P_k = mean over the B × B matrix h_{k+1}·W_kᵀ·h_kᵀ / (n_k n_{k+1}) + mean of h_{k+1}h_{k+1}ᵀ / n_{k+1}².
let private energyTerms (net: SpikingMlp) (batch: int) =
    let sizes = net.Parameters.LayerSizes
    let last = net.Parameters.Steps - 1
    [| for k in 0 .. sizes.Length - 2 ->
        let hk, hk1, w = net.StepSpikes(last, k), net.StepSpikes(last, k + 1), net.Weights[k]
        let nin, nout = sizes[k], sizes[k + 1]
        let mutable cross, self = 0.0, 0.0
        for b in 0 .. batch - 1 do
            for c in 0 .. batch - 1 do
                for j in 0 .. nout - 1 do
                    for m in 0 .. nin - 1 do cross <- cross + cell hk1 b j * float w.Data[m * nout + j] * cell hk c m
                    self <- self + cell hk1 b j * cell hk1 c j
        let bb = float (batch * batch)
        cross / bb / float (nin * nout) + self / bb / float (nout * nout) |]

/// H of the reference in scalar form: E_t = x_{t−1}ᵀs_t / B² (x_{−1} = the previous batch's last input when given),
/// H = E_{T−1} + E_{T−2} − (E_0 + E_1 with a previous batch, else E_1 + E_2).
let private referenceHebb (net: SpikingMlp) (k: int) (batch: int) (previous: Matrix option) =
    let sizes = net.Parameters.LayerSizes
    let steps = net.Parameters.Steps
    let input t = if t < 0 then previous.Value else net.StepSpikes(t, k)
    let entry t =
        Array2D.init sizes[k] sizes[k + 1] (fun i j ->
            let mutable acc = 0.0
            for b in 0 .. batch - 1 do acc <- acc + cell (input (t - 1)) b i * cell (net.StepSpikes(t, k + 1)) b j
            acc / float (batch * batch))
    let early = if previous.IsSome then [ 0; 1 ] else [ 1; 2 ]
    let terms = [ for t in [ steps - 1; steps - 2 ] -> 1.0, entry t ] @ [ for t in early -> -1.0, entry t ]
    Array2D.init sizes[k] sizes[k + 1] (fun i j -> terms |> List.sumBy (fun (c, e) -> c * e[i, j]))

/// s_j = 0.01·Σ_m |G_jm| / |G|.
let private scaleOf (g: Matrix) =
    Array.init g.Rows (fun j -> 0.01 * (Array.sub g.Data (j * g.Cols) g.Cols |> Array.sumBy (fun v -> abs (float v))) / float g.Data.Length)

/// float32 sums against double sums.
let private single = { absolute = 1e-6; relative = 1e-5 }

let private close tol (a: float) (b: float) = abs (a - b) <= tol * max 1.0 (abs b)

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

        testCase "the authors' per-step run builds its SBP base once per batch, with the bits of rebuilding it every step" <| fun () ->
            let d = mnist.Value.Train.Take 200
            // every batch starts without a base, whatever the rule (the per-step form replaces with SBP for any)
            for rule, every, energy in [ HiddenGradient.Sbp, 0, 0.1f; HiddenGradient.Sbp, 3, 0f; HiddenGradient.Zero, 0, 0f ] do
                let make () =
                    SpikingMlp(SmlpParameters(LayerSizes = [| 784; 64; 10 |], BatchSize = 50, Rule = rule, Form = ReplacementForm.PerStep,
                                              AlternateEvery = every, ReferenceQuirks = true, EnergyWeight = energy,
                                              EnergyGradient = EnergyGradient.SpikesOnly, Seed = 5UL))
                let reused, rebuilt = make (), make ()
                rebuilt.ReuseSbpBase <- false
                trainEpoch reused d 1
                trainEpoch rebuilt d 1
                for k in 0 .. 1 do
                    Expect.isTrue (Array.forall2 (fun (a: float32) b -> BitConverter.SingleToInt32Bits a = BitConverter.SingleToInt32Bits b) reused.Weights[k].Data rebuilt.Weights[k].Data)
                        $"{rule}, every {every}: weight layer {k} bit for bit"
                Expect.notEqual reused.Weights[0].Data (make ()).Weights[0].Data $"{rule}, every {every}: the hidden layer learned"
                Expect.equal reused.SynapticOps rebuilt.SynapticOps $"{rule}, every {every}: the counted operations are the reference's"
                Expect.equal reused.ReplacementOps rebuilt.ReplacementOps $"{rule}, every {every}: replacement operations"

        property "the energy term's BPTT gradient agrees with finite differences of the smoothed model" <| fun (seed: uint64) (deep: bool) ->
            let sizes = if deep then [| 5; 4; 4; 3 |] else [| 5; 4; 3 |]
            let make g =
                SpikingMlp(SmlpParameters(LayerSizes = sizes, Steps = 4, BatchSize = 2, Spike = SpikeFunction.Smooth, Encoding = InputEncoding.Static,
                                          EnergyWeight = 1f, EnergyGradient = g, Seed = seed))
            let rng = Rng seed
            let x = Matrix(2, 5, Array.init 10 (fun _ -> rng.NextSingle()))
            let y = Matrix(2, 3, Array.init 6 (fun _ -> rng.NextSingle()))
            let rows = [| 0; 1 |]
            let full, spikesOnly = make EnergyGradient.Full, make EnergyGradient.SpikesOnly
            let plain = SpikingMlp(SmlpParameters(LayerSizes = sizes, Steps = 4, BatchSize = 2, Spike = SpikeFunction.Smooth, Encoding = InputEncoding.Static, Seed = seed))
            for n in [ full; spikesOnly; plain ] do n.ComputeGradients(x, y, ReadOnlySpan rows)
            // the energy, literally: Σ_k |P_k| from the B × B means
            let terms = energyTerms full 2
            let energyOk = close 1e-4 (float full.Energy) (terms |> Array.sumBy abs)
            let fd = finiteDifferences full x y rows
            let mutable ok = energyOk
            let mutable energyPart = 0.0
            for k in 0 .. sizes.Length - 2 do
                let nin, nout = sizes[k], sizes[k + 1]
                let hk, hk1 = full.StepSpikes(3, k), full.StepSpikes(3, k + 1)
                for i in 0 .. nin - 1 do
                    for j in 0 .. nout - 1 do
                        let idx = i * nout + j
                        let tol = 2e-3 * max 1.0 (abs (fd[k][idx])) + 2e-4
                        if abs (fd[k][idx] - float (full.Gradient(k).Data[idx])) > tol then ok <- false
                        // the reference reads W as weight.data: its gradient lacks the direct term sign(P_k)·S_k[i]·S_{k+1}[j]/(B² n_k n_{k+1})
                        let direct = float (sign (terms[k])) * (cell hk 0 i + cell hk 1 i) * (cell hk1 0 j + cell hk1 1 j) / (4.0 * float (nin * nout))
                        if abs (fd[k][idx] - direct - float (spikesOnly.Gradient(k).Data[idx])) > tol then ok <- false
                        energyPart <- energyPart + abs (float (spikesOnly.Gradient(k).Data[idx] - plain.Gradient(k).Data[idx]))
            // the check can fail: the energy moves the gradient well beyond the tolerance
            ok && energyPart > 1e-2

        testCase "H is the reference's: previous step's input with the current spikes, over B²" <| fun () ->
            let batch, steps = 3, 5
            let rng = Rng 11UL
            let x = Matrix(2 * batch, 6, Array.init (2 * batch * 6) (fun _ -> 0.2f + 0.6f * rng.NextSingle()))
            let y = Matrix(2 * batch, 3, Array.init (2 * batch * 3) (fun i -> if i % 3 = (i / 3) % 3 then 1f else 0f))
            for quirks in [ false; true ] do
                let net = SpikingMlp(SmlpParameters(LayerSizes = [| 6; 5; 3 |], Steps = steps, BatchSize = batch, Rule = HiddenGradient.Sbp, ReferenceQuirks = quirks, Seed = 3UL))
                let first, second = [| 0; 1; 2 |], [| 3; 4; 5 |]
                net.TrainBatch(x, y, ReadOnlySpan first)
                let expected1 = referenceHebb net 0 batch None
                let h1 = net.HebbCorrelation 0
                Expect.isTrue (h1.Data |> Array.exists (fun v -> v <> 0f)) "spikes make H non-zero"
                for i in 0 .. 5 do
                    for j in 0 .. 4 do Expect.floatClose single (float h1.Data[i * 5 + j]) expected1[i, j] $"first batch H[{i},{j}]"
                let previous = Matrix(batch, 6, Array.copy (net.StepSpikes(steps - 1, 0).Data))
                net.TrainBatch(x, y, ReadOnlySpan second)
                // with the quirks the first step pairs the previous batch's last input; without, entries start at step 1
                let expected2 = referenceHebb net 0 batch (if quirks then Some previous else None)
                let h2 = net.HebbCorrelation 0
                for i in 0 .. 5 do
                    for j in 0 .. 4 do Expect.floatClose single (float h2.Data[i * 5 + j]) expected2[i, j] $"second batch H[{i},{j}] (quirks {quirks})"
                // and the whole hidden gradient: (xᵀ·e·Rᵀ + 0.01·H)·diag(s), s from the output gradient, x the last step's
                // input with the quirks and the time-mean input without
                let s = scaleOf (net.Gradient 1)
                let r = net.FeedbackMatrix 0
                let input b i =
                    if quirks then cell (net.StepSpikes(steps - 1, 0)) b i
                    else List.averageBy (fun t -> cell (net.StepSpikes(t, 0)) b i) [ 0 .. steps - 1 ]
                for i in 0 .. 5 do
                    for j in 0 .. 4 do
                        let mutable fb = 0.0
                        for b in 0 .. batch - 1 do
                            for m in 0 .. 2 do fb <- fb + input b i * (cell y (second[b]) m - cell net.Output b m) * cell r j m
                        let expected = (fb + 0.01 * expected2[i, j]) * s[j]
                        Expect.floatClose single (float (net.Gradient(0).Data[i * 5 + j])) expected $"hidden gradient [{i},{j}]"

        testCase "with two hidden layers every hidden layer's s comes from the output layer's gradient" <| fun () ->
            let rng = Rng 5UL
            let x = Matrix(4, 6, Array.init 24 (fun _ -> 0.2f + 0.6f * rng.NextSingle()))
            let y = Matrix(4, 3, Array.init 12 (fun i -> if i % 3 = (i / 3) % 3 then 1f else 0f))
            let rows = [| 0; 1; 2; 3 |]
            let run from =
                let net = SpikingMlp(SmlpParameters(LayerSizes = [| 6; 5; 5; 3 |], Steps = 5, BatchSize = 4, Rule = HiddenGradient.Sbp, ScaleFrom = from, Seed = 9UL))
                net.TrainBatch(x, y, ReadOnlySpan rows)
                net
            let net = run ScaleSource.Output
            let expected = scaleOf (net.Gradient 2)
            Expect.isTrue (expected |> Array.exists (fun v -> v > 0.0)) "the output gradient is non-zero"
            for k in 0 .. 1 do
                let s = net.SbpScaleOf(k).ToArray()
                for j in 0 .. 4 do Expect.floatClose single (float s[j]) expected[j] $"layer {k}: s[{j}]"
            // the clean option: the lower hidden layer's s from the (replaced) gradient of the layer above
            let above = run ScaleSource.LayerAbove
            let fromAbove = scaleOf (above.Gradient 1)
            let s0 = above.SbpScaleOf(0).ToArray()
            for j in 0 .. 4 do Expect.floatClose single (float s0[j]) fromAbove[j] $"layer-above option: s[{j}]"
            Expect.notEqual (Array.map float s0) (net.SbpScaleOf(0).ToArray() |> Array.map float) "the two sources differ"

        testCase "the random feedback is Kaiming-uniform (the reference) or U(-1, 1)" <| fun () ->
            let feedback init =
                let net = SpikingMlp(SmlpParameters(LayerSizes = [| 784; 100; 10 |], Rule = HiddenGradient.Sbp, Feedback = init, Seed = 4UL))
                net.FeedbackMatrix(0).Data
            let bound = sqrt (6.0 / 10.0)
            let k = feedback FeedbackInit.KaimingUniform
            Expect.isTrue (k |> Array.forall (fun v -> abs (float v) <= bound)) "within ±√(6/n_out)"
            Expect.isGreaterThan (k |> Array.map (fun v -> abs (float v)) |> Array.max) (0.98 * bound) "fills the range"
            Expect.floatClose { absolute = 0.0; relative = 0.03 } (k |> Array.averageBy (fun v -> float v * float v)) (bound * bound / 3.0) "variance of U(−b, b), 1,000 draws"
            let u = feedback FeedbackInit.Uniform
            Expect.isGreaterThan (u |> Array.map (fun v -> abs (float v)) |> Array.max) 0.98 "U(−1, 1)"

        testCase "the paper configuration trains: reference SBP at every step with the energy term" <| fun () ->
            let d = mnist.Value.Train.Take 200
            let p = SmlpConfig.toParameters (SmlpConfig.resolve { SmlpConfig.paperSbp with Run.Hidden = [ 64 ]; Run.BatchSize = Some 50 }) 784 10
            Expect.equal p.EnergyWeight 0.1f "energy on, weight 0.1"
            Expect.equal p.Hebb HebbForm.Reference "reference H"
            let net = SpikingMlp p
            trainEpoch net d 1
            Expect.isGreaterThan net.Energy 0f "the energy is evaluated"
            Expect.equal net.Replaced (4L * 20L) "every step of 4 batches replaced"
            Expect.isTrue (net.Weights |> Array.forall (fun w -> w.Data |> Array.forall Single.IsFinite)) "finite"

        testCase "bad configurations are refused" <| fun () ->
            let e = throwsOf<ArgumentException> (fun () -> SpikingMlp(SmlpParameters(ReplaceProportion = 1.5f)) |> ignore) "p"
            Expect.stringContains e.Message "replacement proportion" "named"
            throwsOf<ArgumentException> (fun () -> SpikingMlp(SmlpParameters(Steps = 0)) |> ignore) "T" |> ignore
            let uneven = throwsOf<ArgumentException> (fun () -> SpikingMlp(SmlpParameters(LayerSizes = [| 10; 8; 6; 3 |], Rule = HiddenGradient.Sbp)) |> ignore) "uneven hidden layers"
            Expect.stringContains uneven.Message "one size" "named"
            SpikingMlp(SmlpParameters(LayerSizes = [| 10; 8; 6; 3 |], Rule = HiddenGradient.Sbp, ScaleFrom = ScaleSource.LayerAbove)) |> ignore
            let short = throwsOf<ArgumentException> (fun () -> SpikingMlp(SmlpParameters(Steps = 2, Rule = HiddenGradient.Sbp)) |> ignore) "T for H"
            Expect.stringContains short.Message "T ≥ 3" "named"
            throwsOf<ArgumentException> (fun () -> SpikingMlp(SmlpParameters(EnergyWeight = -0.1f)) |> ignore) "energy weight" |> ignore
    ]
