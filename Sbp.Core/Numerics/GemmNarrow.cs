using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sbp.Core.Numerics;

/// <summary>
/// <see cref="Gemm"/>'s product C ← α·Aᵀ·B + C (after Gemm has applied β) for a narrow result — fewer columns than
/// one of the packed kernel's 24-column panels, as the weight change into a 10-neuron output layer — without packing:
/// A is stored k x m, so that 16 consecutive rows of C are one contiguous load of A per k. Every element of C takes the
/// packed kernel's arithmetic, so the result is the same bit for bit:
///   for each block of 256 k, in order:  t = 0;  t ← fma(A[k, i], B[k, j], t) for k ascending;  C[i, j] ← C + t (α = 1)
///                                                                                              or t·α + C
/// (the packed kernel pads its 4-row blocks and 24-column panels with zeros, which only add chains never stored).
/// The packing costs the packed kernel more than its arithmetic at these shapes (a 500 x 10 result from 20–50
/// samples: the symmetric rule's output-layer change). Up to eight chains run at once, one per column of a register
/// of rows; a last pass of fewer columns repeats its last column (reads only, not stored), as the chains' latency,
/// not their number, sets its time. One body for every register width (<see cref="ISimdFloat{TSelf}"/>: 16, then 8, then 4 rows); the
/// rows left over take the same chains one value at a time.
/// </summary>
internal static class GemmNarrow
{
    /// <summary>Results with at most this many columns come here (fewer than one 24-column panel of the packed kernel, mostly padding).</summary>
    public const int MaxColumns = 23;

    /// <summary>
    /// C[m x n] ← α·Aᵀ·B + C, A row-major k x m (leading dimension <paramref name="lda"/>), B row-major k x n; the
    /// operands are checked by <see cref="Gemm.Multiply(Transpose, Transpose, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int, int)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposedA(int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        if (n > MaxColumns) throw new ArgumentException($"at most {MaxColumns} columns expected, got {n}");
        Span<float> tile = stackalloc float[8 * 16];
        for (int k0 = 0; k0 < k; k0 += Gemm.Kc)
        {
            int kc = Math.Min(Gemm.Kc, k - k0);
            ref float ra = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), k0 * lda);
            ref float rb = ref Unsafe.Add(ref MemoryMarshal.GetReference(b), k0 * ldb);
            int i = 0;
            if (F512.IsAccelerated) i = RowBlocks<F512>(ref ra, lda, ref rb, ldb, kc, i, m, n, alpha, c, ldc, tile);
            if (F256.IsAccelerated) i = RowBlocks<F256>(ref ra, lda, ref rb, ldb, kc, i, m, n, alpha, c, ldc, tile);
            if (F128.IsAccelerated) i = RowBlocks<F128>(ref ra, lda, ref rb, ldb, kc, i, m, n, alpha, c, ldc, tile);
            for (; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    float t = 0f;
                    for (int kk = 0; kk < kc; kk++)
                        t = MathF.FusedMultiplyAdd(Unsafe.Add(ref ra, kk * lda + i), Unsafe.Add(ref rb, kk * ldb + j), t);
                    ref float cij = ref c[i * ldc + j];
                    cij = Combine(cij, t, alpha);
                }
        }
    }

    /// <summary>C ← C + t (α = 1) or t·α + C: the packed kernel's last step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Combine(float c, float t, float alpha) => alpha == 1f ? c + t : t * alpha + c;

    /// <summary>Rows i.. of C in whole registers of rows, every column; returns where the rows left (fewer than a register) start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RowBlocks<TV>(ref float ra, int lda, ref float rb, int ldb, int kc, int i, int m, int n, float alpha,
        Span<float> c, int ldc, Span<float> tile) where TV : struct, ISimdFloat<TV>
    {
        int w = TV.Count;
        ref float rt = ref MemoryMarshal.GetReference(tile);
        ref float rc = ref MemoryMarshal.GetReference(c);
        for (; i + w <= m; i += w)
            for (int j0 = 0; j0 < n; j0 += 8)
            {
                int cols = Math.Min(8, n - j0);
                Chains<TV>(ref Unsafe.Add(ref ra, i), lda, ref Unsafe.Add(ref rb, j0), ldb, kc, cols - 1, ref rt);
                Put(ref rt, w, cols, ref Unsafe.Add(ref rc, i * ldc + j0), ldc, alpha);
            }
        return i;
    }

    /// <summary>
    /// C ← C + t or t·α + C for a register of rows (w) and the first <paramref name="cols"/> columns of a pass, row by
    /// row: accumulator q of <paramref name="tile"/> holds column q. A method of its own, so that α stays in a register.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Put(ref float tile, int w, int cols, ref float c, int ldc, float alpha)
    {
        for (int l = 0; l < w; l++)
        {
            ref float cr = ref Unsafe.Add(ref c, l * ldc);
            ref float tl = ref Unsafe.Add(ref tile, l);
            if (alpha == 1f)
                for (int q = 0; q < cols; q++) Unsafe.Add(ref cr, q) += Unsafe.Add(ref tl, q * w);
            else
                for (int q = 0; q < cols; q++) Unsafe.Add(ref cr, q) = Unsafe.Add(ref tl, q * w) * alpha + Unsafe.Add(ref cr, q);
        }
    }

    /// <summary>
    /// Eight fused multiply-add chains over the k-block from 0: accumulator q is column min(q, last) of B times the
    /// register of A's rows; stored to <paramref name="tile"/> (register q at q·Count).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Chains<TV>(ref float a, int lda, ref float b, int ldb, int kc, int last, ref float tile) where TV : struct, ISimdFloat<TV>
    {
        nint b1 = Math.Min(1, last), b2 = Math.Min(2, last), b3 = Math.Min(3, last), b4 = Math.Min(4, last);
        nint b5 = Math.Min(5, last), b6 = Math.Min(6, last), b7 = Math.Min(7, last);
        TV t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
        nuint ak = 0, astep = (nuint)lda;
        nint bk = 0;
        for (int kk = 0; kk < kc; kk++, ak += astep, bk += ldb)
        {
            var x = TV.Load(ref a, ak);
            ref float row = ref Unsafe.Add(ref b, bk);
            t0 = TV.FusedMultiplyAdd(x, TV.Splat(row), t0);
            t1 = TV.FusedMultiplyAdd(x, TV.Splat(Unsafe.Add(ref row, b1)), t1);
            t2 = TV.FusedMultiplyAdd(x, TV.Splat(Unsafe.Add(ref row, b2)), t2);
            t3 = TV.FusedMultiplyAdd(x, TV.Splat(Unsafe.Add(ref row, b3)), t3);
            t4 = TV.FusedMultiplyAdd(x, TV.Splat(Unsafe.Add(ref row, b4)), t4);
            t5 = TV.FusedMultiplyAdd(x, TV.Splat(Unsafe.Add(ref row, b5)), t5);
            t6 = TV.FusedMultiplyAdd(x, TV.Splat(Unsafe.Add(ref row, b6)), t6);
            t7 = TV.FusedMultiplyAdd(x, TV.Splat(Unsafe.Add(ref row, b7)), t7);
        }
        nuint w = (nuint)TV.Count;
        t0.Store(ref tile, 0); t1.Store(ref tile, w); t2.Store(ref tile, 2 * w); t3.Store(ref tile, 3 * w);
        t4.Store(ref tile, 4 * w); t5.Store(ref tile, 5 * w); t6.Store(ref tile, 6 * w); t7.Store(ref tile, 7 * w);
    }
}
