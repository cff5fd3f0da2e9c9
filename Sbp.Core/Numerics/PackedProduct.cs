using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>
/// A right operand P = op(W) (K x N) packed once for many products: row k holds P[k, 0..N−1] followed by zeros up to
/// a multiple of 16 columns, so that a 512-bit (or two 256-bit) vector covers 16 columns without a tail.
/// Pack it again whenever W changes; between packs the products reuse it.
/// </summary>
public sealed class PackedOperand
{
    /// <summary>Columns per vector block: rows are padded with zeros to a multiple of 16.</summary>
    public const int ColumnBlock = 16;
    /// <summary>Rows of op(W): the inner dimension of the product.</summary>
    public int K { get; }
    /// <summary>Columns of op(W): the columns of the result.</summary>
    public int N { get; }
    /// <summary>N rounded up to a multiple of <see cref="ColumnBlock"/>: the row stride of <see cref="Data"/>.</summary>
    public int Stride { get; }
    /// <summary>The packed rows, K x <see cref="Stride"/>, row-major, padding zero.</summary>
    public float[] Data { get; }

    /// <summary>A zeroed operand for a K x N op(W); fill it with <see cref="Pack"/>.</summary>
    public PackedOperand(int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        K = k;
        N = n;
        Stride = (n + ColumnBlock - 1) / ColumnBlock * ColumnBlock;
        Data = new float[checked(k * Stride)];
    }

    /// <summary>Packs op(W): W itself (K x N) or its transpose (W is N x K).</summary>
    public void Pack(Matrix w, Transpose t)
    {
        int rows = t == Transpose.No ? w.Rows : w.Cols, cols = t == Transpose.No ? w.Cols : w.Rows;
        if (rows != K || cols != N) throw new ArgumentException($"op(W) is {rows}x{cols}; this operand holds {K}x{N}");
        for (int k = 0; k < K; k++)
        {
            var dst = Data.AsSpan(k * Stride, Stride);
            if (t == Transpose.No) w.Row(k).CopyTo(dst);
            else
                for (int j = 0; j < N; j++) dst[j] = w.Data[j * w.Cols + k];
            dst[N..].Clear();
        }
    }
}

/// <summary>
/// C[r, j] ← C₀[r, j] + α·Σ_k A[r, k]·P[k, j] for the rows r0..r1−1 of a row-major A (K columns), with P packed
/// (<see cref="PackedOperand"/>) and C₀ = C (accumulate) or 0 (overwrite). Made for skinny products — few rows per call,
/// a small N (the output layer) or a small K (the output layer sent back) — where a packing GEMM spends more on packing
/// than on arithmetic. Every C element is computed as in <see cref="Gemm"/>: for each block of 256 k in order, a fused
/// multiply-add chain t = fma(A[r,k], P[k,j], t) from t = 0, then C ← t·α + C (= C + t for α = 1); so the result equals the GEMM's bit for
/// bit, for any split of the rows between threads. One body for every register width (<see cref="ISimdFloat{TSelf}"/>):
/// 512 bits where the hardware accelerates them, 256 otherwise; the oracle is <see cref="Reference.ScalarPackedProduct"/>.
/// </summary>
public static class PackedProduct
{
    /// <summary>The k-block of <see cref="Gemm"/>: sums are split at the same places.</summary>
    public const int Kc = Gemm.Kc;

    /// <summary>
    /// C[r, j] ← C₀[r, j] + α·Σ_k A[r, k]·P[k, j] for the rows <paramref name="r0"/>..<paramref name="r1"/>−1 of A
    /// (leading dimension <paramref name="lda"/> ≥ K) into C (leading dimension <paramref name="ldc"/> ≥ N); C₀ = C when
    /// <paramref name="accumulate"/>, else 0. Rows outside the range are not touched, so threads may share A and C.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, int lda, int r0, int r1, PackedOperand p, Span<float> c, int ldc, bool accumulate, float alpha = 1f)
    {
        int k = p.K, n = p.N;
        if (r0 < 0 || r1 < r0) throw new ArgumentException($"rows {r0}..{r1} are not a range");
        if (r1 == r0 || n == 0) return;
        if (lda < k || ldc < n) throw new ArgumentException($"leading dimensions {lda} (A) and {ldc} (C) are smaller than K = {k}, N = {n}");
        if ((long)(r1 - 1) * lda + k > a.Length || (long)(r1 - 1) * ldc + n > c.Length)
            throw new ArgumentException($"rows {r0}..{r1 - 1} do not fit in A ({a.Length} values) or C ({c.Length} values)");
        if (!accumulate)
            for (int r = r0; r < r1; r++) c.Slice(r * ldc, n).Clear();
        Span<float> tile = stackalloc float[8 * PackedOperand.ColumnBlock];
        for (int k0 = 0; k0 < k; k0 += Kc)
        {
            int kc = Math.Min(Kc, k - k0);
            int r = r0;
            for (; r + 8 <= r1; r += 8) Rows(a, lda, r, 8, k0, kc, p, c, ldc, tile, alpha);
            if (r < r1) Rows(a, lda, r, r1 - r, k0, kc, p, c, ldc, tile, alpha);
        }
    }

    /// <summary>rows (1 to 8) rows, every 16-column block: tile = Σ_k over the k-block, then C ← tile·α + C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(ReadOnlySpan<float> a, int lda, int r, int rows, int k0, int kc, PackedOperand p, Span<float> c, int ldc, Span<float> tile, float alpha)
    {
        int n = p.N, stride = p.Stride;
        ref float ra = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), r * lda + k0);
        ref float rp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p.Data), k0 * stride);
        ref float rt = ref MemoryMarshal.GetReference(tile);
        for (int j0 = 0; j0 < n; j0 += PackedOperand.ColumnBlock)
        {
            ref float pj = ref Unsafe.Add(ref rp, j0);
            if (F512.IsAccelerated)
            {
                if (rows == 8) Block8<F512>(ref ra, lda, ref pj, stride, kc, ref rt);
                else if (rows == 1) Block1<F512>(ref ra, ref pj, stride, kc, ref rt);
                else BlockFew<F512>(ref ra, lda, rows, ref pj, stride, kc, ref rt);
            }
            else if (rows == 8) Block8<F256>(ref ra, lda, ref pj, stride, kc, ref rt);
            else if (rows == 1) Block1<F256>(ref ra, ref pj, stride, kc, ref rt);
            else BlockFew<F256>(ref ra, lda, rows, ref pj, stride, kc, ref rt);
            int w = Math.Min(PackedOperand.ColumnBlock, n - j0);
            for (int i = 0; i < rows; i++)
            {
                var crow = c.Slice((r + i) * ldc + j0, w);
                var trow = tile.Slice(i * PackedOperand.ColumnBlock, w);
                if (w == PackedOperand.ColumnBlock && Vector256.IsHardwareAccelerated)
                {
                    // C ← t·α + C, multiply then add (no fusion): the scalar loop's rounding, lane by lane
                    ref float rc = ref MemoryMarshal.GetReference(crow);
                    ref float rtr = ref MemoryMarshal.GetReference(trow);
                    var va = Vector256.Create(alpha);
                    (Vector256.LoadUnsafe(ref rtr, 0) * va + Vector256.LoadUnsafe(ref rc, 0)).StoreUnsafe(ref rc, 0);
                    (Vector256.LoadUnsafe(ref rtr, 8) * va + Vector256.LoadUnsafe(ref rc, 8)).StoreUnsafe(ref rc, 8);
                }
                else
                    for (int j = 0; j < w; j++) crow[j] = trow[j] * alpha + crow[j];
            }
        }
    }

    /// <summary>
    /// 8 rows x 16 columns, one body for every register width: eight accumulators, each a fused multiply-add chain over
    /// the k-block. With 16 lanes they are the 8 rows; with 8 lanes, 4 rows x 2 registers, in two passes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block8<TV>(ref float a, int lda, ref float p, int stride, int kc, ref float tile) where TV : struct, ISimdFloat<TV>
    {
        int w = TV.Count, perRow = PackedOperand.ColumnBlock / w, rowsPerPass = 8 / perRow;
        for (int pass = 0; pass < perRow; pass++)
        {
            ref float ah = ref Unsafe.Add(ref a, pass * rowsPerPass * lda);
            TV t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
            // accumulator i: row i / perRow of this pass, registers i % perRow of the 16 columns
            for (int kk = 0; kk < kc; kk++)
            {
                ref float pk = ref Unsafe.Add(ref p, kk * stride);
                t0 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 0 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(0 % perRow * w)), t0);
                t1 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 1 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(1 % perRow * w)), t1);
                t2 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 2 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(2 % perRow * w)), t2);
                t3 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 3 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(3 % perRow * w)), t3);
                t4 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 4 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(4 % perRow * w)), t4);
                t5 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 5 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(5 % perRow * w)), t5);
                t6 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 6 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(6 % perRow * w)), t6);
                t7 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 7 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(7 % perRow * w)), t7);
            }
            // accumulator i lands at row (pass·rowsPerPass + i / perRow), columns (i % perRow)·w of the tile
            ref float th = ref Unsafe.Add(ref tile, pass * rowsPerPass * PackedOperand.ColumnBlock);
            t0.Store(ref th, (nuint)0); t1.Store(ref th, (nuint)(1 / perRow * 16 + 1 % perRow * w));
            t2.Store(ref th, (nuint)(2 / perRow * 16 + 2 % perRow * w)); t3.Store(ref th, (nuint)(3 / perRow * 16 + 3 % perRow * w));
            t4.Store(ref th, (nuint)(4 / perRow * 16 + 4 % perRow * w)); t5.Store(ref th, (nuint)(5 / perRow * 16 + 5 % perRow * w));
            t6.Store(ref th, (nuint)(6 / perRow * 16 + 6 % perRow * w)); t7.Store(ref th, (nuint)(7 / perRow * 16 + 7 % perRow * w));
        }
    }

    /// <summary>
    /// 2 to 7 rows x 16 columns: <see cref="Block8{TV}"/>'s accumulators, only those of the rows present (a row left to
    /// <see cref="Block1{TV}"/> would run one latency-bound chain; here every row's chains run side by side).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockFew<TV>(ref float a, int lda, int rows, ref float p, int stride, int kc, ref float tile) where TV : struct, ISimdFloat<TV>
    {
        int w = TV.Count, perRow = PackedOperand.ColumnBlock / w, rowsPerPass = 8 / perRow;
        for (int first = 0; first < rows; first += rowsPerPass)
        {
            int active = Math.Min(rowsPerPass, rows - first) * perRow;
            ref float ah = ref Unsafe.Add(ref a, first * lda);
            TV t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
            // accumulator i: row first + i / perRow, register i % perRow of the 16 columns; only the first `active`
            for (int kk = 0; kk < kc; kk++)
            {
                ref float pk = ref Unsafe.Add(ref p, kk * stride);
                t0 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 0 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(0 % perRow * w)), t0);
                t1 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 1 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(1 % perRow * w)), t1);
                if (active > 2) t2 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 2 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(2 % perRow * w)), t2);
                if (active > 3) t3 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 3 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(3 % perRow * w)), t3);
                if (active > 4) t4 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 4 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(4 % perRow * w)), t4);
                if (active > 5) t5 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 5 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(5 % perRow * w)), t5);
                if (active > 6) t6 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 6 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(6 % perRow * w)), t6);
                if (active > 7) t7 = TV.FusedMultiplyAdd(TV.Splat(Unsafe.Add(ref ah, 7 / perRow * lda + kk)), TV.Load(ref pk, (nuint)(7 % perRow * w)), t7);
            }
            ref float th = ref Unsafe.Add(ref tile, first * PackedOperand.ColumnBlock);
            t0.Store(ref th, (nuint)0); t1.Store(ref th, (nuint)(1 / perRow * 16 + 1 % perRow * w));
            if (active > 2) t2.Store(ref th, (nuint)(2 / perRow * 16 + 2 % perRow * w));
            if (active > 3) t3.Store(ref th, (nuint)(3 / perRow * 16 + 3 % perRow * w));
            if (active > 4) t4.Store(ref th, (nuint)(4 / perRow * 16 + 4 % perRow * w));
            if (active > 5) t5.Store(ref th, (nuint)(5 / perRow * 16 + 5 % perRow * w));
            if (active > 6) t6.Store(ref th, (nuint)(6 / perRow * 16 + 6 % perRow * w));
            if (active > 7) t7.Store(ref th, (nuint)(7 / perRow * 16 + 7 % perRow * w));
        }
    }

    /// <summary>1 row x 16 columns: one chain per register of the 16 columns (one with 16 lanes, two with 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1<TV>(ref float a, ref float p, int stride, int kc, ref float tile) where TV : struct, ISimdFloat<TV>
    {
        int w = TV.Count;
        bool two = PackedOperand.ColumnBlock / w == 2;
        TV t0 = default, t1 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            var x = TV.Splat(Unsafe.Add(ref a, kk));
            ref float pk = ref Unsafe.Add(ref p, kk * stride);
            t0 = TV.FusedMultiplyAdd(x, TV.Load(ref pk, 0), t0);
            if (two) t1 = TV.FusedMultiplyAdd(x, TV.Load(ref pk, (nuint)w), t1);
        }
        t0.Store(ref tile, 0);
        if (two) t1.Store(ref tile, (nuint)w);
    }
}
