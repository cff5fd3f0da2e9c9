module Sbp.Tests.Core.GemmTests

open Expecto
open FsCheck
open Sbp.Core.Numerics
open Sbp.Core.Reference
open Sbp.Tests.TestSupport

let private random (rng: Rng) n = Array.init n (fun _ -> rng.NextSingle() * 2.0f - 1.0f)

let private agree (ta: Transpose) (tb: Transpose) m n k (alpha: float32) (beta: float32) (seed: uint64) =
    let rng = Rng seed
    let lda = if ta = Transpose.No then max 1 k else max 1 m
    let ldb = if tb = Transpose.No then max 1 n else max 1 k
    let a = random rng ((if ta = Transpose.No then m else k) * lda)
    let b = random rng ((if tb = Transpose.No then k else n) * ldb)
    let c0 = random rng (m * max 1 n)
    let fast, slow = Array.copy c0, Array.copy c0
    Gemm.Multiply(ta, tb, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, fast, 0, max 1 n)
    ScalarGemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, slow, max 1 n)
    Array.forall2 (fun (x: float32) y -> abs (x - y) <= 1e-4f * (1.0f + float32 k)) fast slow

/// A mostly-zero A for op(A) m x k (non-zero with probability p): rows padded by pad, stored from offset; (lda, A).
let private sparseA (rng: Rng) (ta: Transpose) m k pad offset (p: float32) =
    let lda = (if ta = Transpose.No then k else m) + pad
    lda, Array.init (offset + (if ta = Transpose.No then m else k) * lda) (fun _ -> if rng.NextSingle() < p then rng.NextSingle() else 0.0f)

[<Tests>]
let tests =
    testList "Core/Gemm" [
        property "agrees with the scalar product for every shape, transpose, α and β" <| fun (m: byte) (n: byte) (k: byte) (ta: bool) (tb: bool) (seed: uint64) ->
            let m, n, k = int m % 40, int n % 60, int k % 300
            agree (if ta then Transpose.Yes else Transpose.No) (if tb then Transpose.Yes else Transpose.No) m n k 0.7f 0.3f seed

        property "agrees with MathNet.Numerics' matrix product (an implementation the project did not write), any shape and transpose" <| fun (m: byte) (n: byte) (k: byte) (ta: bool) (tb: bool) (seed: uint64) ->
            let m, n, k = 1 + int m % 48, 1 + int n % 64, 1 + int k % 520
            let rng = Rng seed
            let ta, tb = (if ta then Transpose.Yes else Transpose.No), (if tb then Transpose.Yes else Transpose.No)
            // op(A) is m x k and op(B) is k x n; both stored row-major as Gemm reads them
            let ar, ac = (if ta = Transpose.No then m, k else k, m)
            let br, bc = (if tb = Transpose.No then k, n else n, k)
            let a, b = random rng (ar * ac), random rng (br * bc)
            let c = Array.zeroCreate (m * n)
            Gemm.Multiply(ta, tb, m, n, k, 1.0f, a, 0, ac, b, 0, bc, 0.0f, c, 0, n)
            let dense (rows: int) (cols: int) (x: float32[]) : MathNet.Numerics.LinearAlgebra.Matrix<float32> =
                MathNet.Numerics.LinearAlgebra.Matrix<float32>.Build.Dense(rows, cols, fun i j -> x[i * cols + j])
            let opA = let x = dense ar ac a in if ta = Transpose.No then x else x.Transpose()
            let opB = let x = dense br bc b in if tb = Transpose.No then x else x.Transpose()
            let reference = opA * opB
            [ for i in 0 .. m - 1 do for j in 0 .. n - 1 -> abs (c[i * n + j] - reference[i, j]) <= 1e-4f * (1.0f + float32 k) ] |> List.forall id

        testCase "agrees on the sizes the network uses, in parallel too" <| fun () ->
            Expect.isTrue (agree Transpose.No Transpose.No 50 500 784 1.0f 0.0f 1UL) "s·W"
            Expect.isTrue (agree Transpose.Yes Transpose.No 784 500 50 0.5f 1.0f 2UL) "sᵀ·d"
            Expect.isTrue (agree Transpose.No Transpose.Yes 50 500 10 1.0f 1.0f 3UL) "s·Wᵀ"

        property "a mostly-zero op(A) runs event-driven with the packed product's bits, any shape, α, β" <| fun (ta: bool) (alpha: bool) (beta: byte) (seed: uint64) ->
            // shapes drawn from the seed (FsCheck keeps its own integers small): n ≥ 64 and at most a quarter
            // non-zeros send the product to GemmSparseA; k up to 700 crosses the 256-wide k-blocks
            let rng = Rng seed
            let m, n, k = 1 + rng.NextInt 30, 64 + rng.NextInt 200, 1 + rng.NextInt 700
            let ta = if ta then Transpose.Yes else Transpose.No
            let p = float32 (rng.NextInt 26) / 100.0f
            let lda = if ta = Transpose.No then k else m
            let a = Array.init ((if ta = Transpose.No then m else k) * lda) (fun _ -> if rng.NextSingle() < p then rng.NextSingle() else 0.0f)
            let b = random rng (k * n)
            let c0 = random rng (m * n)
            let alpha = if alpha then 1.0f else -0.37f
            let beta = [| 0.0f; 1.0f; 0.5f |][int beta % 3]
            let events, packed = Array.copy c0, Array.copy c0
            Gemm.Multiply(ta, Transpose.No, m, n, k, alpha, a, 0, lda, b, 0, n, beta, events, 0, n)
            Gemm.MultiplyPacked(ta, Transpose.No, m, n, k, alpha, a, 0, lda, b, 0, n, beta, packed, 0, n)
            events = packed

        testCase "the event-driven path keeps the packed bits with offsets, padded rows, several k-blocks, α ≠ 1 and β ≠ 0" <| fun () ->
            let rng = Rng 21UL
            let m, n, k, pad = 37, 130, 600, 3
            for ta in [ Transpose.No; Transpose.Yes ] do
                let lda, a = sparseA rng ta m k pad 7 0.1f
                let b = random rng (5 + k * (n + pad))
                let c0 = random rng (2 + m * (n + pad))
                let events, packed = Array.copy c0, Array.copy c0
                Gemm.Multiply(ta, Transpose.No, m, n, k, -0.37f, a, 7, lda, b, 5, n + pad, 0.5f, events, 2, n + pad)
                Gemm.MultiplyPacked(ta, Transpose.No, m, n, k, -0.37f, a, 7, lda, b, 5, n + pad, 0.5f, packed, 2, n + pad)
                Expect.equal events packed $"op(A) {ta}"
                Expect.isTrue (GemmSparseA.Worthwhile(ta, System.ReadOnlySpan(a, 7, a.Length - 7), lda, m, k)) "this product is one the event-driven path takes"

        testCase "the event-driven path splits its rows between threads, as many as it is given, with the packed bits" <| fun () ->
            // the shapes of the spiking network's input product and input-layer weight change: enough events
            // (≈ 0.18 · 50 · 784 · 500 multiply-adds) for the rows to be split; with offsets and padded rows
            let rng = Rng 33UL
            let m, n, k, pad = 50, 500, 784, 2
            for ta in [ Transpose.No; Transpose.Yes ] do
                let lda, a = sparseA rng ta m k pad 3 0.18f
                let b = random rng (k * n)
                let c0 = random rng (1 + m * (n + pad))
                let mutable events = 0L
                Expect.isTrue (GemmSparseA.Worthwhile(ta, System.ReadOnlySpan(a, 3, a.Length - 3), lda, m, k, &events)) "event-driven"
                Expect.isGreaterThanOrEqual (events * int64 n) 2_000_000L "enough multiply-adds to split the rows"
                for threads in [ 1; 2; 3; 7 ] do
                    for beta in [ 0.0f; 1.0f ] do
                        let expected = Array.copy c0
                        Gemm.MultiplyPacked(ta, Transpose.No, m, n, k, 0.5f, a, 3, lda, b, 0, n, beta, expected, 1, n + pad, 1)
                        let c = Array.copy c0
                        Gemm.Multiply(ta, Transpose.No, m, n, k, 0.5f, a, 3, lda, b, 0, n, beta, c, 1, n + pad, threads)
                        Expect.equal c expected $"op(A) {ta}, β = {beta}, {threads} threads"

        testCase "with β = 0 the event-driven path writes C as the packed kernel does, an underflow to −0 included" <| fun () ->
            // 1e-30 · (−1e-30) underflows to −0: t = −0, and the packed kernel's cleared C gives +0 + t = +0 (and
            // −0·α + 0 = +0); C starts as NaN, which neither path may read; the second row has no events
            let m, n, k = 3, 72, 8
            let a = Array.zeroCreate<float32> (m * k)
            a[0] <- 1e-30f
            a[2 * k + 5] <- 0.75f
            let b = Array.init (k * n) (fun i -> if i < n then -1e-30f else float32 (i % 7) - 3.0f)
            for alpha in [ 1.0f; 0.5f ] do
                let events, packed = Array.create (m * n) nanf, Array.create (m * n) nanf
                Gemm.Multiply(Transpose.No, Transpose.No, m, n, k, alpha, a, 0, k, b, 0, n, 0.0f, events, 0, n)
                Gemm.MultiplyPacked(Transpose.No, Transpose.No, m, n, k, alpha, a, 0, k, b, 0, n, 0.0f, packed, 0, n)
                let bits (x: float32[]) = x |> Array.map System.BitConverter.SingleToUInt32Bits
                Expect.equal (bits events) (bits packed) $"α = {alpha}: the same bits"
                Expect.equal (bits events).[0] 0u $"α = {alpha}: +0, not −0"

        property "a narrow Aᵀ·B runs unpacked with the packed product's bits, any rows, k, α, β, offsets and padding" <| fun (alpha: bool) (beta: byte) (seed: uint64) ->
            // fewer than 24 columns send Aᵀ·B to GemmNarrow; rows not a multiple of 16 (or 8) take its scalar
            // chains; k up to 600 crosses the 256-wide k-blocks; A dense, so the event-driven path stays out
            let rng = Rng seed
            let m, n, k = 1 + rng.NextInt 70, 1 + rng.NextInt GemmNarrow.MaxColumns, 1 + rng.NextInt 600
            let padA, padB, padC = rng.NextInt 3, rng.NextInt 3, rng.NextInt 3
            let a = Array.init (2 + k * (m + padA)) (fun _ -> rng.NextSingle() + 0.01f)
            let b = random rng (1 + k * (n + padB))
            let c0 = random rng (3 + m * (n + padC))
            let alpha = if alpha then 1.0f else -0.37f
            let beta = [| 0.0f; 1.0f; 0.5f |][int beta % 3]
            let narrow, packed = Array.copy c0, Array.copy c0
            Gemm.Multiply(Transpose.Yes, Transpose.No, m, n, k, alpha, a, 2, m + padA, b, 1, n + padB, beta, narrow, 3, n + padC, 2)
            Gemm.MultiplyPacked(Transpose.Yes, Transpose.No, m, n, k, alpha, a, 2, m + padA, b, 1, n + padB, beta, packed, 3, n + padC, 2)
            narrow |> Array.map System.BitConverter.SingleToUInt32Bits = (packed |> Array.map System.BitConverter.SingleToUInt32Bits)

        testCase "the output layer's weight change (500 x 10 from 20 and 50 samples) runs unpacked with the packed bits and near the scalar product" <| fun () ->
            // the symmetric rule's two products, ΔW = s⁺ᵀs⁺·c − sᵀs·c, as EqProp (batch 20) and the spiking network (50) form them
            let rng = Rng 77UL
            for batch in [ 20; 50 ] do
                let pre, post = Array.init (batch * 500) (fun _ -> rng.NextSingle()), random rng (batch * 10)
                let pre2, post2 = Array.init (batch * 500) (fun _ -> rng.NextSingle()), random rng (batch * 10)
                let narrow, packed, scalar = Array.zeroCreate (500 * 10), Array.zeroCreate (500 * 10), Array.zeroCreate (500 * 10)
                let twoProducts packedOnly (c: float32[]) =
                    let product (alpha: float32) (a: float32[]) (b: float32[]) (beta: float32) =
                        if packedOnly then Gemm.MultiplyPacked(Transpose.Yes, Transpose.No, 500, 10, batch, alpha, a, 0, 500, b, 0, 10, beta, c, 0, 10)
                        else Gemm.Multiply(Transpose.Yes, Transpose.No, 500, 10, batch, alpha, a, 0, 500, b, 0, 10, beta, c, 0, 10)
                    product 0.1f pre post 0.0f
                    product -0.1f pre2 post2 1.0f
                twoProducts false narrow
                twoProducts true packed
                ScalarGemm.Multiply(Transpose.Yes, Transpose.No, 500, 10, batch, 0.1f, pre, 500, post, 10, 0.0f, scalar, 10)
                ScalarGemm.Multiply(Transpose.Yes, Transpose.No, 500, 10, batch, -0.1f, pre2, 500, post2, 10, 1.0f, scalar, 10)
                Expect.equal narrow packed $"batch {batch}: the packed product's bits"
                Expect.isTrue (Array.forall2 (fun (x: float32) y -> abs (x - y) <= 1e-5f) narrow scalar) $"batch {batch}: within 1e-5 of the scalar product"
                Expect.isTrue (Array.exists (fun v -> v <> 0.0f) narrow) "not all zero"

        property "a weight change applied as it is formed (event-driven Aᵀ·B) has the bits of forming it and then updating, any threads" <| fun (alpha: bool) (seed: uint64) ->
            // ΔW = α·Aᵀ·B into a cleared ΔW (Gemm, event-driven), then W ← ΔW·rate + W (ScaledUpdate), against one pass
            let rng = Rng seed
            let m, n, k = 2 + rng.NextInt 90, 64 + rng.NextInt 140, 1 + rng.NextInt 60
            let _, a = sparseA rng Transpose.Yes m k 0 0 0.2f
            let b = random rng (k * n)
            let w0 = random rng (m * n)
            // a third of the cases hold a weight that ends beyond the limit
            if rng.NextInt 3 = 0 then w0[rng.NextInt(m * n)] <- 2e4f
            let alpha = if alpha then 1.0f else 0.37f
            let dw = Array.zeroCreate (m * n)
            Gemm.Multiply(Transpose.Yes, Transpose.No, m, n, k, alpha, a, 0, m, b, 0, n, 0.0f, dw, 0, n, 1)
            let expected = Array.copy w0
            let expectedWithin = ScaledUpdate.AddScaledWithin(expected, dw, 0.05f, 1e4f, 1)
            let bits (x: float32[]) = x |> Array.map System.BitConverter.SingleToUInt32Bits
            [ 1; 2; 3 ] |> List.forall (fun threads ->
                let w = Array.copy w0
                let within = GemmSparseA.TransposedUpdate(m, n, k, alpha, a, m, b, n, w, 0.05f, 1e4f, threads)
                within = expectedWithin && bits w = bits expected)

        testCase "a weight change applied as it is formed reports a weight beyond the limit or NaN, and refuses an infinite α or short rows" <| fun () ->
            let rng = Rng 4UL
            let m, n, k = 40, 100, 10
            let _, a = sparseA rng Transpose.Yes m k 0 0 0.2f
            let b = random rng (k * n)
            for threads in [ 1; 2 ] do
                let w = random rng (m * n)
                Expect.isTrue (GemmSparseA.TransposedUpdate(m, n, k, 1.0f, a, m, b, n, w, 0.01f, 1e4f, threads)) "small weights are within"
                w[m * n - 1] <- 2e4f
                Expect.isFalse (GemmSparseA.TransposedUpdate(m, n, k, 1.0f, a, m, b, n, w, 0.01f, 1e4f, threads)) "a weight of 2e4"
                w[m * n - 1] <- 0.0f
                w[3] <- nanf
                Expect.isFalse (GemmSparseA.TransposedUpdate(m, n, k, 1.0f, a, m, b, n, w, 0.01f, 1e4f, threads)) "a NaN"
            let w = random rng (m * n)
            throwsOf<System.ArgumentException> (fun () -> GemmSparseA.TransposedUpdate(m, n, k, infinityf, a, m, b, n, w, 0.01f, 1e4f, 1) |> ignore) "an infinite α" |> ignore
            throwsOf<System.ArgumentException> (fun () -> GemmSparseA.TransposedUpdate(m, n, k, 1.0f, a, m - 1, b, n, w, 0.01f, 1e4f, 1) |> ignore) "lda < m" |> ignore

        testCase "the input products of the networks take the event-driven path and keep the packed product's bits" <| fun () ->
            // MNIST-like inputs: a fifth of the pixels lit; s·W (SNN, EqProp) and sᵀ·d (their layer-0 weight change)
            let rng = Rng 5UL
            let x = Array.init (50 * 784) (fun _ -> if rng.NextSingle() < 0.19f then rng.NextSingle() else 0.0f)
            let w, d = random rng (784 * 500), random rng (50 * 500)
            let c1, c2 = Array.zeroCreate (50 * 500), Array.zeroCreate (50 * 500)
            Gemm.Multiply(Transpose.No, Transpose.No, 50, 500, 784, 1.0f, x, 0, 784, w, 0, 500, 0.0f, c1, 0, 500)
            Gemm.MultiplyPacked(Transpose.No, Transpose.No, 50, 500, 784, 1.0f, x, 0, 784, w, 0, 500, 0.0f, c2, 0, 500)
            Expect.equal c1 c2 "s·W"
            let g1, g2 = Array.zeroCreate (784 * 500), Array.zeroCreate (784 * 500)
            Gemm.Multiply(Transpose.Yes, Transpose.No, 784, 500, 50, 0.05f, x, 0, 784, d, 0, 500, 0.0f, g1, 0, 500)
            Gemm.MultiplyPacked(Transpose.Yes, Transpose.No, 784, 500, 50, 0.05f, x, 0, 784, d, 0, 500, 0.0f, g2, 0, 500)
            Expect.equal g1 g2 "sᵀ·d"
            Expect.isTrue (Array.exists (fun v -> v <> 0.0f) g1) "the weight change is not all zero"

        testCase "gives the same bits whatever the number of threads" <| fun () ->
            let rng = Rng 9UL
            let a, b = random rng (64 * 700), random rng (700 * 900)
            let c1 = Array.zeroCreate (64 * 900)
            Gemm.Multiply(Transpose.No, Transpose.No, 64, 900, 700, 1.0f, a, 0, 700, b, 0, 900, 0.0f, c1, 0, 900)
            // the same product as 64 single-row products: each row runs below the parallel threshold
            let c2 = Array.zeroCreate (64 * 900)
            for r in 0 .. 63 do Gemm.Multiply(Transpose.No, Transpose.No, 1, 900, 700, 1.0f, a, r * 700, 700, b, 0, 900, 0.0f, c2, r * 900, 900)
            Expect.equal c1 c2 "bitwise equal"

        testCase "shapes that do not fit are refused" <| fun () ->
            throwsOf<System.ArgumentException> (fun () -> Gemm.Multiply(Transpose.No, Transpose.No, 2, 2, 2, 1.0f, Array.zeroCreate 3, 0, 2, Array.zeroCreate 4, 0, 2, 0.0f, Array.zeroCreate 4, 0, 2)) "short A" |> ignore
    ]
