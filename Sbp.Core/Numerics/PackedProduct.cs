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
        Span<float> spill = stackalloc float[PackedOperand.ColumnBlock];
        for (int k0 = 0; k0 < k; k0 += Kc)
        {
            int kc = Math.Min(Kc, k - k0);
            for (int r = r0; r < r1;)
            {
                int rows = PassRows(r1 - r);
                Rows(a, lda, r, rows, k0, kc, p, c, ldc, spill, alpha);
                r += rows;
            }
        }
    }

    /// <summary>
    /// Rows taken by the next pass when <paramref name="left"/> are left: all of them up to 12 with 512-bit registers
    /// (one pass of 12 chains where 9–12 rows are left, as EqProp's block of 12 samples), else 8; 13–16 rows as 8 + the
    /// rest (two passes of 8 chains cost less than 12 + 4).
    /// </summary>
    private static int PassRows(int left)
    {
        int most = F512.IsAccelerated ? 12 : 8;
        return left <= most ? left : left <= 16 ? 8 : most;
    }

    /// <summary>rows (1 to 12; up to 8 without 512-bit registers) rows, every 16-column block: t = Σ_k over the k-block, then C ← t·α + C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(ReadOnlySpan<float> a, int lda, int r, int rows, int k0, int kc, PackedOperand p, Span<float> c, int ldc, Span<float> spill, float alpha)
    {
        int n = p.N, stride = p.Stride;
        ref float ra = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), r * lda + k0);
        ref float rp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p.Data), k0 * stride);
        ref float rs = ref MemoryMarshal.GetReference(spill);
        ref float rc = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), r * ldc);
        for (int j0 = 0; j0 < n; j0 += PackedOperand.ColumnBlock)
        {
            ref float pj = ref Unsafe.Add(ref rp, j0);
            ref float cj = ref Unsafe.Add(ref rc, j0);
            int w = Math.Min(PackedOperand.ColumnBlock, n - j0);
            if (F512.IsAccelerated) Block<F512>(ref ra, lda, rows, ref pj, stride, kc, ref cj, ldc, w, alpha, ref rs);
            else Block<F256>(ref ra, lda, rows, ref pj, stride, kc, ref cj, ldc, w, alpha, ref rs);
        }
    }

    /// <summary>
    /// 1 to 12 rows x 16 columns (the first <paramref name="w"/> of them in C), one body for every register width:
    /// accumulators that are each a fused multiply-add chain over the k-block, then C ← t·α + C. With 16 lanes they are
    /// rows: eight, or twelve where more than eight rows are asked for; with 8 lanes, 4 rows x 2 registers per pass.
    /// Every chain takes the latency of a fused multiply-add per k, so eight run in the time of one, and each row costs a
    /// broadcast load per k beside the one load of P shared by the pass: where fewer rows are present the missing
    /// accumulators repeat the last row (reads only) and are not stored. The chains run in <see cref="Chains{TV}"/> and <see cref="Chains12{TV}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TV>(ref float a, int lda, int rows, ref float p, int stride, int kc, ref float c, int ldc, int w,
        float alpha, ref float spill) where TV : struct, ISimdFloat<TV>
    {
        int lanes = TV.Count, perRow = PackedOperand.ColumnBlock / lanes;
        var va = TV.Splat(alpha);
        if (perRow == 1 && rows > 8)
        {
            // one pass of twelve chains, one row each
            var t = Chains12<TV>(ref a, lda, rows - 1, ref p, stride, kc);
            Put(ref c, 0, t.T0, va, alpha, w, ref spill);
            Put(ref Unsafe.Add(ref c, ldc), 0, t.T1, va, alpha, w, ref spill);
            Put(ref Unsafe.Add(ref c, 2 * ldc), 0, t.T2, va, alpha, w, ref spill);
            Put(ref Unsafe.Add(ref c, 3 * ldc), 0, t.T3, va, alpha, w, ref spill);
            Put(ref Unsafe.Add(ref c, 4 * ldc), 0, t.T4, va, alpha, w, ref spill);
            Put(ref Unsafe.Add(ref c, 5 * ldc), 0, t.T5, va, alpha, w, ref spill);
            Put(ref Unsafe.Add(ref c, 6 * ldc), 0, t.T6, va, alpha, w, ref spill);
            Put(ref Unsafe.Add(ref c, 7 * ldc), 0, t.T7, va, alpha, w, ref spill);
            Put(ref Unsafe.Add(ref c, 8 * ldc), 0, t.T8, va, alpha, w, ref spill);
            if (rows > 9) Put(ref Unsafe.Add(ref c, 9 * ldc), 0, t.T9, va, alpha, w, ref spill);
            if (rows > 10) Put(ref Unsafe.Add(ref c, 10 * ldc), 0, t.T10, va, alpha, w, ref spill);
            if (rows > 11) Put(ref Unsafe.Add(ref c, 11 * ldc), 0, t.T11, va, alpha, w, ref spill);
            return;
        }
        int rowsPerPass = 8 / perRow;
        for (int first = 0; first < rows; first += rowsPerPass)
        {
            int last = Math.Min(rowsPerPass, rows - first) - 1;
            var t = Chains<TV>(ref Unsafe.Add(ref a, first * lda), lda, last, ref p, stride, kc);
            // accumulator i goes to row first + i / perRow, columns (i % perRow)·lanes, where that row is present
            ref float ch = ref Unsafe.Add(ref c, first * ldc);
            int active = (last + 1) * perRow;
            int odd = (perRow - 1) * lanes;
            Put(ref ch, 0, t.T0, va, alpha, w, ref spill);
            if (active > 1) Put(ref Unsafe.Add(ref ch, 1 / perRow * ldc), odd, t.T1, va, alpha, w, ref spill);
            if (active > 2) Put(ref Unsafe.Add(ref ch, 2 / perRow * ldc), 0, t.T2, va, alpha, w, ref spill);
            if (active > 3) Put(ref Unsafe.Add(ref ch, 3 / perRow * ldc), odd, t.T3, va, alpha, w, ref spill);
            if (active > 4) Put(ref Unsafe.Add(ref ch, 4 / perRow * ldc), 0, t.T4, va, alpha, w, ref spill);
            if (active > 5) Put(ref Unsafe.Add(ref ch, 5 / perRow * ldc), odd, t.T5, va, alpha, w, ref spill);
            if (active > 6) Put(ref Unsafe.Add(ref ch, 6 / perRow * ldc), 0, t.T6, va, alpha, w, ref spill);
            if (active > 7) Put(ref Unsafe.Add(ref ch, 7 / perRow * ldc), odd, t.T7, va, alpha, w, ref spill);
        }
    }

    /// <summary>The eight accumulators of <see cref="Block{TV}"/>.</summary>
    private struct Accumulators<TV> where TV : struct, ISimdFloat<TV>
    {
        public TV T0, T1, T2, T3, T4, T5, T6, T7;
    }

    /// <summary>
    /// The eight fused multiply-add chains over the k-block, from 0: accumulator i is row min(i / perRow, last) of A
    /// (from <paramref name="ah"/>) times register i % perRow of P's 16 columns. A method of its own, so that only the
    /// loop's values compete for registers: the eight rows of A, P's offset and the eight accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static Accumulators<TV> Chains<TV>(ref float ah, int lda, int last, ref float p, int stride, int kc) where TV : struct, ISimdFloat<TV>
    {
        int lanes = TV.Count, perRow = PackedOperand.ColumnBlock / lanes;
        ref float a0 = ref Unsafe.Add(ref ah, Math.Min(0 / perRow, last) * lda);
        ref float a1 = ref Unsafe.Add(ref ah, Math.Min(1 / perRow, last) * lda);
        ref float a2 = ref Unsafe.Add(ref ah, Math.Min(2 / perRow, last) * lda);
        ref float a3 = ref Unsafe.Add(ref ah, Math.Min(3 / perRow, last) * lda);
        ref float a4 = ref Unsafe.Add(ref ah, Math.Min(4 / perRow, last) * lda);
        ref float a5 = ref Unsafe.Add(ref ah, Math.Min(5 / perRow, last) * lda);
        ref float a6 = ref Unsafe.Add(ref ah, Math.Min(6 / perRow, last) * lda);
        ref float a7 = ref Unsafe.Add(ref ah, Math.Min(7 / perRow, last) * lda);
        TV t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
        // P's row kk starts at offset pk (a number, not a moving reference, which would point past P after the last k)
        nuint pk = 0, step = (nuint)stride;
        for (nint kk = 0; kk < kc; kk++, pk += step)
        {
            // the even accumulators take P's first register, the odd ones its second (the same one with 16 lanes)
            var p0 = TV.Load(ref p, pk);
            var p1 = perRow == 1 ? p0 : TV.Load(ref p, pk + (nuint)lanes);
            t0 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a0, kk)), t0);
            t1 = TV.FusedMultiplyAdd(p1, TV.Splat(Unsafe.Add(ref a1, kk)), t1);
            t2 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a2, kk)), t2);
            t3 = TV.FusedMultiplyAdd(p1, TV.Splat(Unsafe.Add(ref a3, kk)), t3);
            t4 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a4, kk)), t4);
            t5 = TV.FusedMultiplyAdd(p1, TV.Splat(Unsafe.Add(ref a5, kk)), t5);
            t6 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a6, kk)), t6);
            t7 = TV.FusedMultiplyAdd(p1, TV.Splat(Unsafe.Add(ref a7, kk)), t7);
        }
        return new Accumulators<TV> { T0 = t0, T1 = t1, T2 = t2, T3 = t3, T4 = t4, T5 = t5, T6 = t6, T7 = t7 };
    }

    /// <summary>The twelve accumulators of a pass of twelve rows (<see cref="Chains12{TV}"/>).</summary>
    private struct Accumulators12<TV> where TV : struct, ISimdFloat<TV>
    {
        public TV T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11;
    }

    /// <summary>
    /// <see cref="Chains{TV}"/> for twelve rows of 16-lane registers (one register per row): accumulator i is row
    /// min(i, last) of A times P's 16 columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static Accumulators12<TV> Chains12<TV>(ref float ah, int lda, int last, ref float p, int stride, int kc) where TV : struct, ISimdFloat<TV>
    {
        ref float a0 = ref ah;
        ref float a1 = ref Unsafe.Add(ref ah, Math.Min(1, last) * lda);
        ref float a2 = ref Unsafe.Add(ref ah, Math.Min(2, last) * lda);
        ref float a3 = ref Unsafe.Add(ref ah, Math.Min(3, last) * lda);
        ref float a4 = ref Unsafe.Add(ref ah, Math.Min(4, last) * lda);
        ref float a5 = ref Unsafe.Add(ref ah, Math.Min(5, last) * lda);
        ref float a6 = ref Unsafe.Add(ref ah, Math.Min(6, last) * lda);
        ref float a7 = ref Unsafe.Add(ref ah, Math.Min(7, last) * lda);
        ref float a8 = ref Unsafe.Add(ref ah, Math.Min(8, last) * lda);
        ref float a9 = ref Unsafe.Add(ref ah, Math.Min(9, last) * lda);
        ref float a10 = ref Unsafe.Add(ref ah, Math.Min(10, last) * lda);
        ref float a11 = ref Unsafe.Add(ref ah, Math.Min(11, last) * lda);
        TV t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
        TV t8 = default, t9 = default, t10 = default, t11 = default;
        nuint pk = 0, step = (nuint)stride;
        for (nint kk = 0; kk < kc; kk++, pk += step)
        {
            var p0 = TV.Load(ref p, pk);
            t0 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a0, kk)), t0);
            t1 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a1, kk)), t1);
            t2 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a2, kk)), t2);
            t3 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a3, kk)), t3);
            t4 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a4, kk)), t4);
            t5 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a5, kk)), t5);
            t6 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a6, kk)), t6);
            t7 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a7, kk)), t7);
            t8 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a8, kk)), t8);
            t9 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a9, kk)), t9);
            t10 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a10, kk)), t10);
            t11 = TV.FusedMultiplyAdd(p0, TV.Splat(Unsafe.Add(ref a11, kk)), t11);
        }
        return new Accumulators12<TV> { T0 = t0, T1 = t1, T2 = t2, T3 = t3, T4 = t4, T5 = t5, T6 = t6, T7 = t7, T8 = t8, T9 = t9, T10 = t10, T11 = t11 };
    }

    /// <summary>
    /// C[co..] ← t·α + C[co..], multiply then add (no fusion), for the columns of the register that lie before
    /// <paramref name="w"/>: a whole register at once, else through <paramref name="spill"/> column by column.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TV>(ref float crow, int co, TV t, TV va, float alpha, int w, ref float spill) where TV : struct, ISimdFloat<TV>
    {
        if (co + TV.Count <= w)
        {
            (t * va + TV.Load(ref crow, (nuint)co)).Store(ref crow, (nuint)co);
            return;
        }
        t.Store(ref spill, 0);
        for (int j = co; j < w; j++) Unsafe.Add(ref crow, j) = Unsafe.Add(ref spill, j - co) * alpha + Unsafe.Add(ref crow, j);
    }
}
