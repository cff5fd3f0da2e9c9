using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>Whether an operand is used as stored or transposed.</summary>
public enum Transpose
{
    /// <summary>op(X) = X.</summary>
    No,
    /// <summary>op(X) = Xᵀ.</summary>
    Yes,
}

/// <summary>
/// Single-precision matrix product C ← α·op(A)·op(B) + β·C on row-major storage (op = identity or transpose),
/// GotoBLAS style: op(B) is packed into panels of 24 columns and op(A) into blocks of 4 rows, both contiguous in k,
/// so that the micro-kernel keeps a 4 x 24 tile of C in twelve 256-bit registers and streams A and B from packed
/// buffers. Column panels are split between threads; every element of C is computed by the same sequence of
/// operations whatever the split, so results do not depend on the number of threads. When op(A) is mostly zeros
/// (clamped pixels, spikes) the product runs event-driven in <see cref="GemmSparseA"/>, with the same result bit for bit
/// for finite B (the packed kernel turns 0·∞ into NaN; the event-driven one never forms it). A narrow Aᵀ·B (fewer columns than
/// a panel) runs unpacked in <see cref="GemmNarrow"/>, with the same result bit for bit.
/// </summary>
public static class Gemm
{
    private const int Mr = 4;
    private const int Nr = 24;
    /// <summary>The k-block: sums are split here, and <see cref="GemmSparseA"/> and <see cref="PackedProduct"/> split theirs at the same places.</summary>
    internal const int Kc = 256;

    /// <summary>Below this many multiply-adds a product runs on the calling thread.</summary>
    private const long ParallelThreshold = 2_000_000;
    /// <summary>
    /// Event multiply-adds from which an event-driven product splits its rows between threads: lower than the dense
    /// threshold, as the helper threads stay awake between the regions of a batch (<see cref="Team"/>), so EqProp's
    /// input product and input-layer weight change (about 1.5 million) take both cores.
    /// </summary>
    private const long SparseParallelThreshold = 500_000;

    /// <summary>
    /// C[m x n] ← α·op(A)·op(B) + β·C, where op(A) is m x k and op(B) is k x n; each operand starts at its offset
    /// and has its own leading dimension (row stride). <paramref name="threads"/> caps the threads the product may use
    /// (0: all cores); the caller passes its own budget, and the result is bitwise the same for any value.
    /// </summary>
    public static void Multiply(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc,
        int threads = 0) =>
        Multiply(ta, tb, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, threads, packedOnly: false);

    /// <summary>The same product, always through the packed kernel (the reference for the bitwise equality of <see cref="GemmSparseA"/> and <see cref="GemmNarrow"/>).</summary>
    internal static void MultiplyPacked(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc, int threads = 0) =>
        Multiply(ta, tb, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, threads, packedOnly: true);

    private static void Multiply(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc,
        int threads, bool packedOnly)
    {
        if (threads < 0) throw new ArgumentException($"threads must be ≥ 0 (0: all cores), got {threads}");
        int maxThreads = threads == 0 ? Environment.ProcessorCount : threads;
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"negative size m={m} n={n} k={k}");
        if (m == 0 || n == 0) return;
        CheckOperand(a.Length - aOffset, lda, ta == Transpose.No ? m : k, ta == Transpose.No ? k : m, "A");
        CheckOperand(b.Length - bOffset, ldb, tb == Transpose.No ? k : n, tb == Transpose.No ? n : k, "B");
        CheckOperand(c.Length - cOffset, ldc, m, n, "C");

        if (k > 0 && alpha != 0f && !packedOnly && tb == Transpose.No && n >= GemmSparseA.MinColumns
            && GemmSparseA.Worthwhile(ta, a.AsSpan(aOffset), lda, m, k, out long events))
        {
            // mostly zeros in op(A): event-driven, the same arithmetic (GemmSparseA.cs); with β = 0 it writes C
            // without clearing it first; rows split between threads where the events' multiply-adds are many
            if (beta != 0f) ScaleC(c.AsSpan(cOffset), ldc, m, n, beta);
            int rowParts = events * n >= SparseParallelThreshold ? maxThreads : 1;
            GemmSparseA.Multiply(ta, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, cleared: beta == 0f, rowParts);
            return;
        }
        ScaleC(c.AsSpan(cOffset), ldc, m, n, beta);
        if (k == 0 || alpha == 0f) return;
        if (!packedOnly && ta == Transpose.Yes && tb == Transpose.No && n <= GemmNarrow.MaxColumns)
        {
            // a narrow Aᵀ·B (one panel, mostly padding): without packing, the same arithmetic (GemmNarrow.cs)
            GemmNarrow.MultiplyTransposedA(m, n, k, alpha, a.AsSpan(aOffset), lda, b.AsSpan(bOffset), ldb, c.AsSpan(cOffset), ldc);
            return;
        }

        int panels = (n + Nr - 1) / Nr;
        float[] packedB = ArrayPool<float>.Shared.Rent(panels * Nr * Kc);
        try
        {
            for (int k0 = 0; k0 < k; k0 += Kc)
            {
                int kc = Math.Min(Kc, k - k0);
                PackB(tb, b.AsSpan(bOffset), ldb, k0, kc, n, packedB);
                long work = (long)m * n * kc;
                int parts = work >= ParallelThreshold && panels >= 2 ? Math.Clamp(maxThreads, 1, panels) : 1;
                if (parts == 1)
                {
                    Compute(ta, a.AsSpan(aOffset), lda, c.AsSpan(cOffset), ldc, m, n, k0, kc, alpha, packedB, 0, panels);
                }
                else
                {
                    var job = CachedJob ??= new Job();
                    job.Set(ta, a, aOffset, lda, c, cOffset, ldc, m, n, k0, kc, alpha, packedB, panels, parts);
                    Team.For(parts, job.RunPart);
                    job.Clear();
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    /// <summary>Matrix overload: C ← α·op(A)·op(B) + β·C with the shapes taken from the matrices.</summary>
    public static void Multiply(Transpose ta, Transpose tb, float alpha, Matrix a, Matrix b, float beta, Matrix c, int threads = 0)
    {
        int m = ta == Transpose.No ? a.Rows : a.Cols;
        int k = ta == Transpose.No ? a.Cols : a.Rows;
        int kb = tb == Transpose.No ? b.Rows : b.Cols;
        int n = tb == Transpose.No ? b.Cols : b.Rows;
        if (k != kb || c.Rows != m || c.Cols != n)
            throw new ArgumentException($"shapes do not agree: op(A) {m}x{k}, op(B) {kb}x{n}, C {c.Rows}x{c.Cols}");
        Multiply(ta, tb, m, n, k, alpha, a.Data, 0, Math.Max(1, a.Cols), b.Data, 0, Math.Max(1, b.Cols), beta, c.Data, 0, Math.Max(1, c.Cols), threads);
    }

    [ThreadStatic] private static Job? CachedJob;

    /// <summary>The arguments of one parallel block, reused by the calling thread so that a product allocates nothing of its own.</summary>
    private sealed class Job
    {
        private Transpose _ta;
        private float[] _a = [], _c = [], _packedB = [];
        private int _aOff, _lda, _cOff, _ldc, _m, _n, _k0, _kc, _panels, _threads;
        private float _alpha;
        public readonly Action<int> RunPart;

        public Job() => RunPart = Run;

        public void Set(Transpose ta, float[] a, int aOff, int lda, float[] c, int cOff, int ldc, int m, int n, int k0, int kc, float alpha, float[] packedB, int panels, int threads)
        {
            (_ta, _a, _aOff, _lda, _c, _cOff, _ldc, _m, _n, _k0, _kc, _alpha, _packedB, _panels, _threads) =
                (ta, a, aOff, lda, c, cOff, ldc, m, n, k0, kc, alpha, packedB, panels, threads);
        }

        public void Clear() => (_a, _c, _packedB) = ([], [], []);

        private void Run(int t)
        {
            int p0 = (int)((long)_panels * t / _threads), p1 = (int)((long)_panels * (t + 1) / _threads);
            Compute(_ta, _a.AsSpan(_aOff), _lda, _c.AsSpan(_cOff), _ldc, _m, _n, _k0, _kc, _alpha, _packedB, p0, p1);
        }
    }

    private static void CheckOperand(int available, int ld, int rows, int cols, string name)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"{name}: leading dimension {ld} is smaller than its {cols} columns");
        if (rows > 0 && (long)(rows - 1) * ld + cols > available)
            throw new ArgumentException($"{name}: {rows}x{cols} with leading dimension {ld} needs {(long)(rows - 1) * ld + cols} values, has {available}");
    }

    private static void ScaleC(Span<float> c, int ldc, int m, int n, float beta)
    {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>Packs rows k0..k0+kc of op(B) into panels: panel p holds, for each k, the 24 values of columns 24p..24p+23 (zero beyond n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(Transpose tb, ReadOnlySpan<float> b, int ldb, int k0, int kc, int n, float[] packed)
    {
        int panels = (n + Nr - 1) / Nr;
        for (int p = 0; p < panels; p++)
        {
            int j0 = p * Nr, w = Math.Min(Nr, n - j0);
            var dst = packed.AsSpan(p * Kc * Nr, kc * Nr);
            for (int kk = 0; kk < kc; kk++)
            {
                var d = dst.Slice(kk * Nr, Nr);
                if (tb == Transpose.No)
                {
                    b.Slice((k0 + kk) * ldb + j0, w).CopyTo(d);
                }
                else
                {
                    for (int j = 0; j < w; j++) d[j] = b[(j0 + j) * ldb + k0 + kk];
                }
                if (w < Nr) d[w..].Clear();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(Transpose ta, ReadOnlySpan<float> a, int lda, int i0, int rows, int k0, int kc, Span<float> dst)
    {
        for (int kk = 0; kk < kc; kk++)
        {
            var d = dst.Slice(kk * Mr, Mr);
            for (int r = 0; r < Mr; r++)
                d[r] = r < rows ? (ta == Transpose.No ? a[(i0 + r) * lda + k0 + kk] : a[(k0 + kk) * lda + i0 + r]) : 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute(Transpose ta, ReadOnlySpan<float> a, int lda, Span<float> c, int ldc, int m, int n,
        int k0, int kc, float alpha, float[] packedB, int p0, int p1)
    {
        Span<float> packedA = stackalloc float[Mr * Kc];
        Span<float> tile = stackalloc float[Mr * Nr];
        for (int i0 = 0; i0 < m; i0 += Mr)
        {
            int rows = Math.Min(Mr, m - i0);
            PackA(ta, a, lda, i0, rows, k0, kc, packedA);
            for (int p = p0; p < p1; p++)
            {
                int j0 = p * Nr, w = Math.Min(Nr, n - j0);
                Kernel(packedA, packedB.AsSpan(p * Kc * Nr, kc * Nr), kc, tile);
                for (int r = 0; r < rows; r++)
                {
                    var crow = c.Slice((i0 + r) * ldc + j0, w);
                    var trow = tile.Slice(r * Nr, w);
                    if (alpha == 1f) System.Numerics.Tensors.TensorPrimitives.Add(crow, trow, crow);
                    else System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(trow, alpha, crow, crow);
                }
            }
        }
    }

    /// <summary>tile[4 x 24] = Σ_k packedA[k, 0..3] ⊗ packedB[k, 0..23].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(ReadOnlySpan<float> pa, ReadOnlySpan<float> pb, int kc, Span<float> tile)
    {
        Vector256<float> c00 = default, c01 = default, c02 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default;
        Vector256<float> c30 = default, c31 = default, c32 = default;
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(pa);
        ref float rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(pb);
        for (int kk = 0; kk < kc; kk++)
        {
            var b0 = Vector256.LoadUnsafe(ref rb, (nuint)(kk * Nr));
            var b1 = Vector256.LoadUnsafe(ref rb, (nuint)(kk * Nr + 8));
            var b2 = Vector256.LoadUnsafe(ref rb, (nuint)(kk * Nr + 16));
            var a0 = Vector256.Create(Unsafe.Add(ref ra, kk * Mr));
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01); c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
            var a1 = Vector256.Create(Unsafe.Add(ref ra, kk * Mr + 1));
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11); c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
            var a2 = Vector256.Create(Unsafe.Add(ref ra, kk * Mr + 2));
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21); c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
            var a3 = Vector256.Create(Unsafe.Add(ref ra, kk * Mr + 3));
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31); c32 = Vector256.FusedMultiplyAdd(a3, b2, c32);
        }
        ref float rt = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref rt, 0); c01.StoreUnsafe(ref rt, 8); c02.StoreUnsafe(ref rt, 16);
        c10.StoreUnsafe(ref rt, 24); c11.StoreUnsafe(ref rt, 32); c12.StoreUnsafe(ref rt, 40);
        c20.StoreUnsafe(ref rt, 48); c21.StoreUnsafe(ref rt, 56); c22.StoreUnsafe(ref rt, 64);
        c30.StoreUnsafe(ref rt, 72); c31.StoreUnsafe(ref rt, 80); c32.StoreUnsafe(ref rt, 88);
    }
}
