module Sbp.Tests.Core.KernelTests

open System
open Expecto
open Sbp.Core.Models
open Sbp.Core.Neurons
open Sbp.Core.Numerics
open Sbp.Core.Reference
open Sbp.Tests.TestSupport

let private random (rng: Rng) n = Array.init n (fun _ -> rng.NextSingle() * 2.0f - 1.0f)

/// The weight gradient of `steps` steps of a batch (rows `stride` apart, a fraction `zeros` of x zero, the rest mostly
/// spikes) taken at once by TransposeMultiplyAddSteps and one sparse product per step: both gradients' bits and event counts.
let private gradientOverSteps (rng: Rng) steps batch stride n m (zeros: float32) threads =
    let xs = Array.init steps (fun _ -> Matrix(stride, n, Array.init (stride * n) (fun _ -> let u = rng.NextSingle() in if u < zeros then 0.0f elif u < zeros + (1.0f - zeros) * 0.7f then 1.0f else u)))
    let d = random rng (steps * stride * m)
    let g0 = random rng (n * m)
    let once, perStep = Matrix(n, m, Array.copy g0), Matrix(n, m, Array.copy g0)
    let e1 = SparseRows.TransposeMultiplyAddSteps(xs, batch, d, stride, once, 0.5f, threads)
    let mutable e2 = 0L
    for q in 0 .. steps - 1 do
        let dq = Matrix(stride, m, d[q * stride * m .. (q + 1) * stride * m - 1])
        e2 <- e2 + SparseRows.TransposeMultiplyAdd(xs[q], batch, dq, perStep, 0.5f, 1)
    let bits (g: Matrix) = Array.map BitConverter.SingleToInt32Bits g.Data
    bits once, bits perStep, e1, e2

/// C from PackedProduct and from the scalar oracle, for rows r0..r1−1 of an m-row A.
let private both (m: int) (r0: int) (r1: int) (k: int) (n: int) (t: Transpose) (accumulate: bool) (alpha: float32) (seed: uint64) =
    let rng = Rng seed
    let a = random rng (m * max 1 k)
    let w = if t = Transpose.No then Matrix(k, n, random rng (k * n)) else Matrix(n, k, random rng (k * n))
    let c0 = random rng (m * max 1 n)
    let p = PackedOperand(k, n)
    p.Pack(w, t)
    let fast, slow = Array.copy c0, Array.copy c0
    PackedProduct.Multiply(ReadOnlySpan a, max 1 k, r0, r1, p, Span fast, max 1 n, accumulate, alpha)
    ScalarPackedProduct.Multiply(a, max 1 k, r0, r1, w, t, slow, max 1 n, accumulate, alpha)
    fast, slow

[<Tests>]
let tests =
    testList "Core/Kernels" [
        testCase "a process told DOTNET_EnableAVX512=0 runs without AVX-512 (the rerun of these tests in Core/Widths relies on it)" <| fun () ->
            if Environment.GetEnvironmentVariable "DOTNET_EnableAVX512" = "0" then
                Expect.isFalse System.Runtime.Intrinsics.X86.Avx512F.IsSupported "AVX-512 still in use"
                Expect.isFalse System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated "512-bit vectors still accelerated"

        property "tanh gives TensorPrimitives.Tanh's bits, any length, in place or not (all 2^32 inputs: scripts/check-tanh.fsx)" <| fun (len: byte) (inPlace: bool) (scale: byte) (seed: uint64) ->
            let rng = Rng seed
            let n = int len % 70
            let special = [| 0.0f; -0.0f; 1e-30f; -1e-40f; 9.0f; -9.0f; 22.0f; 88.8f; -100.0f; 1e30f; infinityf; -infinityf |]
            let x = Array.init n (fun i -> if i % 7 = 3 then special[(i / 7) % special.Length] else (rng.NextSingle() * 2.0f - 1.0f) * float32 (1 + int scale % 40))
            let expected = Array.zeroCreate n
            System.Numerics.Tensors.TensorPrimitives.Tanh(ReadOnlySpan x, Span expected)
            let ours = if inPlace then Array.copy x else Array.zeroCreate n
            Tanh.Compute((if inPlace then ReadOnlySpan ours else ReadOnlySpan x), Span ours)
            Array.map BitConverter.SingleToInt32Bits ours = Array.map BitConverter.SingleToInt32Bits expected

        property "the fast tanh gives the same bits at every register width, in its tails and scalar loop, in place or not" <| fun (len: byte) (inPlace: bool) (scale: byte) (seed: uint64) ->
            let rng = Rng seed
            let n = int len % 70
            let special = [| 0.0f; -0.0f; 1e-30f; -1e-40f; 9.0f; -9.0f; 10.0f; 10.000001f; 22.0f; 88.8f; -100.0f; 1e30f; infinityf; -infinityf |]
            let x = Array.init n (fun i -> if i % 7 = 3 then special[(i / 7) % special.Length] else (rng.NextSingle() * 2.0f - 1.0f) * float32 (1 + int scale % 40))
            let ours = if inPlace then Array.copy x else Array.zeroCreate n
            FastTanh.Compute((if inPlace then ReadOnlySpan ours else ReadOnlySpan x), Span ours)
            Array.map BitConverter.SingleToInt32Bits ours = Array.map (FastTanh.Scalar >> BitConverter.SingleToInt32Bits) x

        testCase "the fast tanh lies within 2^-22 of the exact tanh and within 2^-23 of tanh in double precision" <| fun () ->
            // every 101st bit pattern of |x| below 16 (tanh is 1 in single precision from 9.01 on), both signs, and the far range
            let xs =
                [| for b in 0 .. 101 .. 0x41800000 do
                       let v = BitConverter.Int32BitsToSingle b
                       yield v; yield -v
                   yield! [| 16.0f; 100.0f; 1e30f; infinityf; -infinityf |] |]
            let fast, exact = Array.zeroCreate xs.Length, Array.zeroCreate xs.Length
            FastTanh.Compute(ReadOnlySpan xs, Span fast)
            Tanh.Compute(ReadOnlySpan xs, Span exact)
            let worst f = Array.fold2 (fun m (x: float32) (y: float32) -> max m (abs (float y - f x))) 0.0 xs fast
            let fromExact = Array.fold2 (fun m (a: float32) (b: float32) -> max m (abs (float a - float b))) 0.0 fast exact
            Expect.isLessThanOrEqual fromExact (Math.Pow(2.0, -22.0)) "|fast − exact|"
            Expect.isLessThanOrEqual (worst (fun x -> Math.Tanh(float x))) (Math.Pow(2.0, -23.0)) "|fast − tanh|"
            Expect.isGreaterThan fromExact 0.0 "the two forms differ somewhere (a different computation)"
            Expect.isTrue (Array.forall2 (fun (x: float32) (y: float32) -> Single.IsNegative x = Single.IsNegative y) xs fast) "tanh keeps the sign bit, ±0 included"
            Expect.isTrue (Single.IsNaN(FastTanh.Scalar nanf)) "NaN stays NaN"

        property "the packed product equals its scalar oracle bit for bit, any shape, rows, transpose, α" <| fun (m: byte) (k: uint16) (n: byte) (tr: bool) (acc: bool) (seed: uint64) ->
            let m, k, n = 1 + int m % 30, int k % 700, int n % 45
            let r0 = int (seed % uint64 m)
            let fast, slow = both m r0 m k n (if tr then Transpose.Yes else Transpose.No) acc (if acc then 0.7f else 1.0f) seed
            fast = slow

        testCase "the packed product equals the GEMM bit for bit on the network's products" <| fun () ->
            let rng = Rng 3UL
            let s1, s2 = random rng (50 * 500), random rng (50 * 10)
            let w = Matrix(500, 10, random rng 5000)
            let x0w = random rng (50 * 500)
            // s1·W (a skinny product with two k-blocks)
            let viaGemm = Array.zeroCreate (50 * 10)
            Gemm.Multiply(Transpose.No, Transpose.No, 50, 10, 500, 1.0f, s1, 0, 500, w.Data, 0, 10, 0.0f, viaGemm, 0, 10)
            let packed = PackedOperand(500, 10)
            packed.Pack(w, Transpose.No)
            let viaPacked = Array.create (50 * 10) nanf
            for r0 in 0 .. 8 .. 49 do PackedProduct.Multiply(ReadOnlySpan s1, 500, r0, min 50 (r0 + 8), packed, Span viaPacked, 10, false)
            Expect.equal viaPacked viaGemm "s·W"
            // x0w + 0.3·s2·Wᵀ (accumulating, with α)
            let viaGemmT = Array.copy x0w
            Gemm.Multiply(Transpose.No, Transpose.Yes, 50, 500, 10, 0.3f, s2, 0, 10, w.Data, 0, 10, 1.0f, viaGemmT, 0, 500)
            let packedT = PackedOperand(10, 500)
            packedT.Pack(w, Transpose.Yes)
            let viaPackedT = Array.copy x0w
            PackedProduct.Multiply(ReadOnlySpan s2, 10, 0, 50, packedT, Span viaPackedT, 500, true, 0.3f)
            Expect.equal viaPackedT viaGemmT "x0w + α·s·Wᵀ"

        testCase "the packed product refuses rows that do not fit" <| fun () ->
            let p = PackedOperand(4, 3)
            throwsOf<ArgumentException> (fun () -> PackedProduct.Multiply(ReadOnlySpan(Array.zeroCreate 8), 4, 0, 3, p, Span(Array.zeroCreate 9), 3, false)) "A has 2 rows" |> ignore
            throwsOf<ArgumentException> (fun () -> p.Pack(Matrix(3, 4), Transpose.No)) "shape" |> ignore

        property "the event-driven sparse products equal their oracle bit for bit, on one thread or two" <| fun (density: byte) (scale: bool) (seed: uint64) ->
            // shapes drawn from the seed (FsCheck keeps its own integers small): rows up to 300 wide cross several
            // 64-column slabs and end in every kind of remainder
            let rng = Rng seed
            let batch, n, m = 1 + rng.NextInt 12, 1 + rng.NextInt 90, 1 + rng.NextInt 300
            let p = float32 (int density % 100) / 100.0f
            // spikes (1), other values, and zeros
            let x = Array.init (batch * n) (fun _ -> if rng.NextSingle() >= p then 0.0f elif rng.NextInt 3 = 0 then rng.NextSingle() else 1.0f)
            let w = Matrix(n, m, random rng (n * m))
            let d = random rng (batch * m)
            let o0 = random rng (batch * m)
            let fast, slow = Array.copy o0, Array.copy o0
            let e1 = SparseRows.Multiply(ReadOnlySpan x, batch, n, w, Span fast, scale)
            let e2 = ScalarSparseRows.Multiply(ReadOnlySpan x, batch, n, w, Span slow, scale)
            let f = if scale then -1.0f else 1.0f
            let g1, g2 = w.Clone(), w.Clone()
            let e3 = SparseRows.TransposeMultiplyAdd(ReadOnlySpan x, batch, n, ReadOnlySpan d, g1, f)
            let e4 = ScalarSparseRows.TransposeMultiplyAdd(ReadOnlySpan x, batch, n, ReadOnlySpan d, g2, f)
            // the Matrix overloads split the work between two threads (samples, rows of G)
            let split, g3 = Matrix(batch, m, Array.copy o0), w.Clone()
            let e5 = SparseRows.Multiply(Matrix(batch, n, x), batch, w, split, scale, 2)
            let e6 = SparseRows.TransposeMultiplyAdd(Matrix(batch, n, x), batch, Matrix(batch, m, d), g3, f, 2)
            fast = slow && e1 = e2 && g1.Data = g2.Data && e3 = e4 && split.Data = slow && g3.Data = g2.Data && e5 = e2 && e6 = e4

        property "the weight gradient over all steps at once equals one sparse product per step, any thread count" <| fun (steps: byte) (batch: byte) (n: byte) (threads: byte) (seed: uint64) ->
            let rng = Rng seed
            let steps, batch, n, m, threads = 1 + int steps % 6, 1 + int batch % 9, 1 + int n % 40, 1 + rng.NextInt 300, 1 + int threads % 3
            let once, perStep, e1, e2 = gradientOverSteps rng steps batch (batch + int (seed % 3UL)) n m 0.7f threads
            once = perStep && e1 = e2

        property "the non-zeros of a row are found at every position, ascending: NaN counts, ±0 does not" <| fun (length: byte) (density: byte) (seed: uint64) ->
            let rng = Rng seed
            let n, p = int length % 90, float32 (int density % 101) / 100.0f
            let pick () = match rng.NextInt 6 with 0 -> Single.NaN | 1 -> -0.0f | 2 -> 1.0f | 3 -> Single.NegativeInfinity | _ -> rng.NextSingle() - 0.5f
            let x = Array.init n (fun _ -> if rng.NextSingle() < p then pick () else 0.0f)
            let index = Array.create n -1
            let c = SparseRows.NonZeros(ReadOnlySpan x, Span index)
            let expected = [| for i in 0 .. n - 1 do if not (x[i] = 0.0f) then yield i |]
            c = expected.Length && index[.. c - 1] = expected

        testCase "the weight gradient over many steps, taken in groups of steps, equals one sparse product per step" <| fun () ->
            // strides from a few rows to more than one group's 512: groups of several steps, of one step, and a last
            // group shorter than the others
            for batch in [ 37; 100; 130; 600 ] do
                for threads in [ 1; 2 ] do
                    let once, perStep, e1, e2 = gradientOverSteps (Rng(uint64 (batch * 10 + threads))) 13 batch (batch + 3) 50 300 0.8f threads
                    Expect.isTrue (once = perStep) $"bits, batch {batch}, {threads} thread(s)"
                    Expect.equal e1 e2 $"events, batch {batch}"

        testCase "the fused LIF step equals the LIF step, κ-mix and σ bit for bit, tails included" <| fun () ->
            let p = LifParameters()
            for n in [ 1; 3; 7; 8; 12; 16; 17; 31; 37; 80; 100; 500; 4000 ] do
                let rng = Rng(uint64 n)
                let current = Array.init n (fun _ -> rng.NextSingle() * 1.8f - 0.9f)
                let g0 = Array.init n (fun _ -> rng.NextSingle() * 6.0f)
                let v0 = Array.init n (fun _ -> rng.NextSingle() * 0.6f - 0.5f)
                let h = Array.init n (fun _ -> rng.NextSingle() * 2.0f - 1.0f)
                for kappa, form in [ 0.01f, TanhForm.Exact; 0.37f, TanhForm.Exact; 1.0f, TanhForm.Exact; 0.37f, TanhForm.Fast; 1.0f, TanhForm.Fast ] do
                    let g1, v1 = Array.copy g0, Array.copy v0
                    let spikes1 = Lif.Step(p, ReadOnlySpan current, Span g1, Span v1)
                    let s = Array.init n (fun i -> h[i] * (1.0f - kappa) + v1[i] * kappa)
                    // σ(s) = tanh(s/2): exact as TensorPrimitives computes it (Tanh.Compute gives its bits: the test
                    // above), fast as the scalar loop of the fast tanh
                    let sigma1 = s |> Array.map (fun x -> x * 0.5f)
                    if form = TanhForm.Exact then System.Numerics.Tensors.TensorPrimitives.Tanh(ReadOnlySpan sigma1, Span sigma1)
                    else Array.iteri (fun i x -> sigma1[i] <- FastTanh.Scalar x) sigma1
                    let g2, v2, sigma2 = Array.copy g0, Array.copy v0, Array.zeroCreate n
                    let spikes2 = LifFused.StepMix(p, ReadOnlySpan current, Span g2, Span v2, ReadOnlySpan h, kappa, Span sigma2, form)
                    Expect.equal spikes2 spikes1 $"spikes, n = {n}"
                    Expect.equal g2 g1 $"g, n = {n}"
                    Expect.equal v2 s $"V ← s, n = {n}"
                    let bits = Array.map BitConverter.SingleToInt32Bits
                    Expect.equal (bits sigma2) (bits sigma1) $"σ(s), n = {n}, κ = {kappa}, {form}"
                    Expect.isGreaterThan spikes1 (if n >= 37 then 0 else -1) "some neurons fire"

        testCase "the fused hidden relaxation step equals s − d, ·(−ε) + s, σ in separate passes, bit for bit, tails included" <| fun () ->
            for n in [ 1; 3; 7; 8; 12; 16; 17; 31; 80; 100; 500; 4000 ] do
                let rng = Rng(uint64 (n + 5))
                let s0 = Array.init n (fun i -> if i % 11 = 5 then 0.0f else (rng.NextSingle() * 2.0f - 1.0f) * 3.0f)
                let d = Array.init n (fun _ -> (rng.NextSingle() * 2.0f - 1.0f) * 4.0f)
                for eps, form in [ 0.5f, TanhForm.Exact; 0.137f, TanhForm.Exact; 0.5f, TanhForm.Fast; 0.137f, TanhForm.Fast ] do
                    // the separate passes, as TensorPrimitives computes them (MultiplyAdd: a product, then a sum)
                    let s1, d1 = Array.copy s0, Array.copy d
                    System.Numerics.Tensors.TensorPrimitives.Subtract(ReadOnlySpan s1, ReadOnlySpan d1, Span d1)
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan d1, -eps, ReadOnlySpan s1, Span s1)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(ReadOnlySpan s1, 0.5f, Span s1)
                    if form = TanhForm.Exact then System.Numerics.Tensors.TensorPrimitives.Tanh(ReadOnlySpan s1, Span s1)
                    else Array.iteri (fun i x -> s1[i] <- FastTanh.Scalar x) s1
                    let s2 = Array.copy s0
                    Sbp.Core.Neurons.HiddenRelaxation.Step(Span s2, ReadOnlySpan d, eps, form)
                    let bits = Array.map BitConverter.SingleToInt32Bits
                    Expect.equal (bits s2) (bits s1) $"n = {n}, ε = {eps}, {form}"

        property "the spiking MLP's fused step passes equal their scalar oracle bit for bit, tails included" <| fun (len: uint16) (first: bool) (seed: uint64) ->
            let n = 1 + int len % 300
            let rng = Rng seed
            let a = Array.init n (fun _ -> rng.NextSingle())
            let mPrev = Array.init n (fun _ -> rng.NextSingle() * 2.0f - 0.5f)
            let sPrev = Array.init n (fun _ -> if rng.NextSingle() < 0.3f then 1.0f else 0.0f)
            let m1, s1, m2, s2 = Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n
            if first then SmlpKernels.LeakSpike(ReadOnlySpan a, ReadOnlySpan.Empty, ReadOnlySpan.Empty, Span m1, Span s1, 0.2f, 0.1f, 0.5f)
            else SmlpKernels.LeakSpike(ReadOnlySpan a, ReadOnlySpan mPrev, ReadOnlySpan sPrev, Span m1, Span s1, 0.2f, 0.1f, 0.5f)
            ScalarSmlpKernels.LeakSpike(a, (if first then null else mPrev), (if first then null else sPrev), m2, s2, 0.2f, 0.1f, 0.5f)
            let dS = random rng n
            let next0 = random rng n
            let dmNext1, dmNext2 = Array.copy next0, Array.copy next0
            let dm1, dA1, dm2, dA2 = Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n
            SmlpKernels.BackwardRectangular(ReadOnlySpan dS, ReadOnlySpan m2, ReadOnlySpan s2, ReadOnlySpan a, Span dmNext1, Span dm1, Span dA1, 0.2f, 0.5f, 0.3f)
            ScalarSmlpKernels.BackwardRectangular(dS, m2, s2, a, dmNext2, dm2, dA2, 0.2f, 0.5f)
            m1 = m2 && s1 = s2 && dm1 = dm2 && dA1 = dA2 && dmNext1 = dmNext2 && Array.exists (fun v -> v = 1.0f) s2 = Array.exists (fun v -> v > 0.5f) m2

        testCase "the integer Bernoulli code draws the float code's spikes from the same stream" <| fun () ->
            let rng = Rng 11UL
            // zeros, ones, values above one, exact multiples of 2⁻²⁴ and their neighbours, random intensities
            let edge = [| 0.0f; 1.0f; 1.5f; -0.2f; 0.5f; 1.0f / 16777216.0f; 3.0f / 16777216.0f; BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits 0.25f + 1); BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits 0.75f - 1) |]
            let p = Array.append edge (Array.init 775 (fun _ -> let u = rng.NextSingle() in if u < 0.6f then 0.0f else u))
            let index, threshold = Array.zeroCreate p.Length, Array.zeroCreate p.Length
            let count = SmlpKernels.BernoulliThresholds(ReadOnlySpan p, Span index, Span threshold)
            Expect.equal count (p |> Array.filter (fun v -> v > 0.0f) |> Array.length) "pixels that can fire"
            let fast, slow = Rng 5UL, Rng 5UL
            for step in 0 .. 40 do
                let x1, x2 = Array.create p.Length nanf, Array.zeroCreate p.Length
                let u = Array.zeroCreate count
                SmlpKernels.BernoulliUniforms(fast, Span u)
                SmlpKernels.BernoulliSpikes(ReadOnlySpan(index, 0, count), ReadOnlySpan(threshold, 0, count), ReadOnlySpan u, Span x1)
                ScalarSmlpKernels.Bernoulli(slow, p, x2)
                Expect.equal x1 x2 $"step {step}"
            // the thresholds are exact at the edges: p = k·2⁻²⁴ fires for u < k only
            Expect.equal threshold[Array.IndexOf(index, 5)] 1u "p = 2⁻²⁴"
            Expect.equal threshold[Array.IndexOf(index, 4)] 8388608u "p = 1/2"
            Expect.equal threshold[Array.IndexOf(index, 2)] 16777216u "p > 1 always fires"
            Expect.equal (fast.NextUInt64()) (slow.NextUInt64()) "the same number of draws"

        property "the one-pass scaled update equals MultiplyAdd and its check equals the divergence check" <| fun (len: uint16) (bad: byte) (seed: uint64) ->
            let n = 1 + int len % 200
            let rng = Rng seed
            let w0 = Array.init n (fun _ -> (rng.NextSingle() * 2.0f - 1.0f) * 1.2e4f)
            let dw = random rng n
            let at = int bad % (n + 1)
            if at < n then dw[at] <- [| nanf; infinityf; -infinityf; 3e8f |][int (seed % 4UL)]
            let w1, w2 = Array.copy w0, Array.copy w0
            let ok = ScaledUpdate.AddScaledWithin(Span w1, ReadOnlySpan dw, 0.37f, Divergence.MaxMagnitude)
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan dw, 0.37f, ReadOnlySpan w2, Span w2)
            let okCheck = isNull (Divergence.Check(ReadOnlySpan w2))
            (w1 |> Array.map BitConverter.SingleToInt32Bits) = (w2 |> Array.map BitConverter.SingleToInt32Bits) && ok = okCheck

        testCase "the finiteness check finds a NaN or an infinity at every position" <| fun () ->
            for n in [ 1; 8; 13; 100 ] do
                Expect.isTrue (Activations.AllFinite(ReadOnlySpan(Array.init n float32))) $"finite, n = {n}"
                for bad in [ nanf; infinityf; -infinityf ] do
                    for i in 0 .. n - 1 do
                        let x = Array.init n float32
                        x[i] <- bad
                        Expect.isFalse (Activations.AllFinite(ReadOnlySpan x)) $"{bad} at {i} of {n}"
    ]

/// On a machine with AVX-512 every kernel above takes its 512-bit path; their 256-bit bodies (the same generic code at
/// the other width, and the paths of machines without AVX-512) are checked by running the same tests again in a
/// process where the runtime is told not to use AVX-512 (DOTNET_EnableAVX512=0). The list's name is not under
/// "Core/Kernels", so the rerun does not start itself again.
[<Tests>]
let narrowerRegisters =
    testList "Core/Widths" [
        testCase "every kernel test passes again with AVX-512 disabled (the 256-bit paths)" <| fun () ->
            if not System.Runtime.Intrinsics.X86.Avx512F.IsSupported then skiptest "no AVX-512 here: the kernel tests already ran the 256-bit paths"
            let code, out, err = dotnetWith [ "DOTNET_EnableAVX512", "0" ] (Reflection.Assembly.GetExecutingAssembly().Location) [ "--filter"; "Core/Kernels" ]
            let summary = out.Split('\n') |> Array.tryFindBack (fun l -> l.Contains " passed, ")
            Expect.equal code 0 $"exit code; {summary}; {err}"
            match summary with
            | Some s -> Expect.isTrue (s.Trim().EndsWith "0 failed, 0 ignored" && not (s.StartsWith "0 passed")) $"the rerun's counts: {s}"
            | None -> failtest $"no counts from the rerun: {out}"
    ]
