using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>
/// <see cref="Gemm"/>'s product C ← α·op(A)·B + C (after Gemm has applied a β ≠ 0; β = 0 below) for a left operand that is mostly zeros
/// — clamped pixels, spike rates — event-driven: row r of C visits only the non-zeros op(A)[r, k], in the arithmetic
/// of the packed GEMM, so that the result is the same bit for bit:
///   for each block of 256 k, in order:  t = 0;  t ← fma(op(A)[r, k], B[k, :], t) for k ascending;  C[r, :] ← C + t (α = 1)
///                                                                                                  or t·α + C
/// A zero op(A)[r, k] leaves t as it is (fma(0, b, t) = t for finite b and t ≠ −0; t starts at +0 and becomes −0 only
/// through an underflowing product), so skipping it changes no bit for finite B; with an infinite or NaN B the packed
/// kernel forms 0·∞ = NaN and this path does not. A block without events still adds its t = 0 (C + 0 turns a −0 of C
/// into +0, as the packed kernel does). With β = 0 the old C is never read: the first k-block writes t·α + 0 (or
/// 0 + t), what the packed kernel computes on a cleared C, and a row without events there is cleared; later k-blocks
/// without events are skipped: C + 0 changes only a −0, and a sum with +0 is never −0.
/// Gemm decides when to come here (<see cref="Worthwhile"/>); callers keep counting the product's nominal
/// multiply-adds. One thread: the rows are independent, so splitting them would give the same bits.
/// </summary>
internal static class GemmSparseA
{
    private const int Kc = Gemm.Kc;
    /// <summary>Columns of B swept by all events of a k-block before the next 64: eight 256-bit accumulators.</summary>
    private const int Block = 64;
    /// <summary>At most this fraction of op(A) non-zero: the event-driven product then beats the packed one.</summary>
    private const int DensityDivisor = 4;
    /// <summary>Rows of B narrower than this are too short to pay for the events' bookkeeping.</summary>
    public const int MinColumns = 64;

    /// <summary>Whether op(A) (m x k) holds at most a quarter non-zeros; stops counting as soon as it does not.</summary>
    public static bool Worthwhile(Transpose ta, ReadOnlySpan<float> a, int lda, int m, int k)
    {
        long limit = (long)m * k / DensityDivisor, nonZero = 0;
        int rows = ta == Transpose.No ? m : k, cols = ta == Transpose.No ? k : m;
        for (int i = 0; i < rows; i++)
        {
            nonZero += cols - CountZeros(a.Slice(i * lda, cols));
            if (nonZero > limit) return false;
        }
        return true;
    }

    private static int CountZeros(ReadOnlySpan<float> row)
    {
        ref float r = ref MemoryMarshal.GetReference(row);
        int zeros = 0, i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= row.Length; i += 8)
                zeros += System.Numerics.BitOperations.PopCount(Vector256.ExtractMostSignificantBits(Vector256.Equals(Vector256.LoadUnsafe(ref r, (nuint)i), Vector256<float>.Zero)));
        for (; i < row.Length; i++) zeros += Unsafe.Add(ref r, i) == 0f ? 1 : 0;
        return zeros;
    }

    /// <summary>C[m x n] ← α·op(A)·B + C, B row-major k x n (<paramref name="cleared"/>: β = 0, C is overwritten and its old values never read); the operands are checked by <see cref="Gemm.Multiply(Transpose, Transpose, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int, int)"/>.</summary>
    public static void Multiply(Transpose ta, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool cleared)
    {
        int[] pos = ArrayPool<int>.Shared.Rent(Math.Max(1, k));
        float[] val = ArrayPool<float>.Shared.Rent(Math.Max(1, k));
        try
        {
            for (int r = 0; r < m; r++)
            {
                int count = 0;
                if (ta == Transpose.No)
                {
                    // a row of A: its non-zeros found eight at a time
                    var row = a.Slice(r * lda, k);
                    count = SparseRows.NonZeros(row, pos);
                    for (int e = 0; e < count; e++) val[e] = row[pos[e]];
                }
                else
                    for (int kk = 0; kk < k; kk++)
                    {
                        float v = a[kk * lda + r];
                        pos[count] = kk;
                        val[count] = v;
                        count += v != 0f ? 1 : 0;
                    }
                var crow = c.Slice(r * ldc, n);
                int e0 = 0;
                for (int k0 = 0; k0 < k; k0 += Kc)
                {
                    int e1 = e0;
                    while (e1 < count && pos[e1] < k0 + Kc) e1++;
                    bool overwrite = cleared && k0 == 0;
                    if (overwrite && e1 == e0) crow.Clear();
                    else if (e1 > e0 || !cleared) Chains(pos.AsSpan(e0, e1 - e0), val.AsSpan(e0, e1 - e0), b, ldb, crow, alpha, overwrite);
                    e0 = e1;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(pos);
            ArrayPool<float>.Shared.Return(val);
        }
    }

    /// <summary>One k-block of one row: t = the fma chain over the events, then C ← C + t or t·α + C, for every column (C read as +0 where <paramref name="overwrite"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chains(ReadOnlySpan<int> pos, ReadOnlySpan<float> val, ReadOnlySpan<float> b, int ldb, Span<float> crow, float alpha, bool overwrite)
    {
        int n = crow.Length, events = pos.Length;
        if (events > 0 && (long)(pos[events - 1]) * ldb + n > b.Length) throw new ArgumentException("B is shorter than its rows");
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(crow);
        var va = Vector256.Create(alpha);
        bool one = alpha == 1f;
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + Block <= n; j += Block)
            {
                Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
                for (int e = 0; e < events; e++)
                {
                    var x = Vector256.Create(val[e]);
                    ref float row = ref Unsafe.Add(ref rb, pos[e] * ldb + j);
                    t0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row, 0), t0);
                    t1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row, 8), t1);
                    t2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row, 16), t2);
                    t3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row, 24), t3);
                    t4 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row, 32), t4);
                    t5 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row, 40), t5);
                    t6 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row, 48), t6);
                    t7 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row, 56), t7);
                }
                Combine(ref rc, j, t0, va, one, overwrite); Combine(ref rc, j + 8, t1, va, one, overwrite);
                Combine(ref rc, j + 16, t2, va, one, overwrite); Combine(ref rc, j + 24, t3, va, one, overwrite);
                Combine(ref rc, j + 32, t4, va, one, overwrite); Combine(ref rc, j + 40, t5, va, one, overwrite);
                Combine(ref rc, j + 48, t6, va, one, overwrite); Combine(ref rc, j + 56, t7, va, one, overwrite);
            }
            for (; j + 8 <= n; j += 8)
            {
                Vector256<float> t = default;
                for (int e = 0; e < events; e++)
                    t = Vector256.FusedMultiplyAdd(Vector256.Create(val[e]), Vector256.LoadUnsafe(ref rb, (nuint)(pos[e] * ldb + j)), t);
                Combine(ref rc, j, t, va, one, overwrite);
            }
        }
        for (; j < n; j++)
        {
            float t = 0f;
            for (int e = 0; e < events; e++) t = MathF.FusedMultiplyAdd(val[e], Unsafe.Add(ref rb, pos[e] * ldb + j), t);
            ref float cj = ref Unsafe.Add(ref rc, j);
            float c0 = overwrite ? 0f : cj;
            cj = one ? c0 + t : t * alpha + c0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Combine(ref float c, int j, Vector256<float> t, Vector256<float> alpha, bool one, bool overwrite)
    {
        var cv = overwrite ? Vector256<float>.Zero : Vector256.LoadUnsafe(ref c, (nuint)j);
        (one ? cv + t : t * alpha + cv).StoreUnsafe(ref c, (nuint)j);
    }
}
