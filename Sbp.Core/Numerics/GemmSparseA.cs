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
/// Gemm decides when to come here (<see cref="Worthwhile(Transpose, ReadOnlySpan{float}, int, int, int, out long)"/>); callers keep counting the product's nominal
/// multiply-adds. The rows of C are independent: split between threads, they keep their bits. What a row does with its
/// sums is its sink (<see cref="IRowSink"/>): the product's combine above, or, in <see cref="TransposedUpdate"/>, a
/// weight change applied to W as it is formed (W ← (t·α + 0)·rate + W), never stored.
/// </summary>
internal static class GemmSparseA
{
    private const int Kc = Gemm.Kc;
    /// <summary>At most this fraction of op(A) non-zero: the event-driven product then beats the packed one.</summary>
    private const int DensityDivisor = 4;
    /// <summary>Rows of B narrower than this are too short to pay for the events' bookkeeping.</summary>
    public const int MinColumns = 64;

    /// <summary>Whether op(A) (m x k) holds at most a quarter non-zeros; stops counting as soon as it does not.</summary>
    public static bool Worthwhile(Transpose ta, ReadOnlySpan<float> a, int lda, int m, int k) => Worthwhile(ta, a, lda, m, k, out _);

    /// <summary>As <see cref="Worthwhile(Transpose, ReadOnlySpan{float}, int, int, int)"/>; where it is, <paramref name="nonZeros"/> counts them all.</summary>
    public static bool Worthwhile(Transpose ta, ReadOnlySpan<float> a, int lda, int m, int k, out long nonZeros)
    {
        long limit = (long)m * k / DensityDivisor;
        nonZeros = 0;
        int rows = ta == Transpose.No ? m : k, cols = ta == Transpose.No ? k : m;
        for (int i = 0; i < rows; i++)
        {
            nonZeros += cols - CountZeros(a.Slice(i * lda, cols));
            if (nonZeros > limit) return false;
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

    /// <summary>
    /// C[m x n] ← α·op(A)·B + C, B row-major k x n (<paramref name="cleared"/>: β = 0, C is overwritten and its old values
    /// never read), the rows of C split between <paramref name="parts"/> threads (each row is computed alone, so the
    /// split changes no bit); the operands are checked by <see cref="Gemm.Multiply(Transpose, Transpose, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int, int)"/>.
    /// </summary>
    public static void Multiply(Transpose ta, int m, int n, int k, float alpha, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
        float[] c, int cOffset, int ldc, bool cleared, int parts)
    {
        if (parts <= 1 || m < 2)
        {
            var sink = new AddToC(alpha);
            Rows(ta, 0, m, n, k, a.AsSpan(aOffset), lda, b.AsSpan(bOffset), ldb, c.AsSpan(cOffset), ldc, cleared, ref sink);
            return;
        }
        var job = CachedJob ??= new Job();
        job.Set(ta, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, cleared, Math.Min(parts, m));
        try { Team.For(Math.Min(parts, m), job.RunPart); }
        finally { job.Clear(); }
    }

    /// <summary>
    /// W[m x n] ← ΔW·rate + W with ΔW = α·Aᵀ·B formed row by row in registers and never stored: the bits of
    /// <see cref="Gemm.Multiply(Transpose, Transpose, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int, int)"/>
    /// into a cleared ΔW (β = 0) followed by <see cref="ScaledUpdate"/>'s pass, without writing and reading ΔW. A is
    /// k x m (k ≤ 256: one k-block), mostly zeros (the caller has checked it with <see cref="Worthwhile(Transpose, ReadOnlySpan{float}, int, int, int, out long)"/>);
    /// B is k x n with finite values, α finite (a row without events then changes W by (+0)·rate, as a cleared ΔW);
    /// W is m x n, row-major. Rows split between <paramref name="parts"/> threads.
    /// Returns whether every updated |w| is below <paramref name="limit"/> (the caller checks W fully where not).
    /// </summary>
    public static bool TransposedUpdate(int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float[] w, float rate, float limit, int parts)
    {
        if (k < 1 || k > Kc) throw new ArgumentException($"one k-block of 1..{Kc} expected, got k = {k}");
        if (m < 1 || n < 1 || lda < m || ldb < n) throw new ArgumentException($"sizes {m}x{n} with leading dimensions {lda} (A) and {ldb} (B) expected positive, at least m and n");
        if (!float.IsFinite(alpha)) throw new ArgumentException($"a finite α expected, got {alpha}");
        if ((long)(k - 1) * lda + m > a.Length || (long)(k - 1) * ldb + n > b.Length || (long)m * n > w.Length)
            throw new ArgumentException($"A ({a.Length}), B ({b.Length}) or W ({w.Length} values) is smaller than its {k}x{m}, {k}x{n} or {m}x{n}");
        if (parts <= 1 || m < 2)
        {
            var sink = new UpdateWeights(alpha, rate, limit);
            Rows(Transpose.Yes, 0, m, n, k, a, lda, b, ldb, w, n, cleared: true, ref sink);
            return sink.Within;
        }
        var job = CachedJob ??= new Job();
        job.SetUpdate(Transpose.Yes, m, n, k, alpha, a, 0, lda, b, 0, ldb, w, n, rate, limit, Math.Min(parts, m));
        try { Team.For(job.Parts, job.RunPart); }
        finally { job.Clear(); }
        return job.AllWithin;
    }

    /// <summary>Rows of C whose events (columns of A) are gathered together where op(A) = Aᵀ: one sweep over A per group.</summary>
    private const int ColumnGroup = 16;

    /// <summary>Rows r0..r1−1 of C, one after another.</summary>
    private static void Rows<TSink>(Transpose ta, int r0, int r1, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool cleared, ref TSink sink) where TSink : struct, IRowSink
    {
        // op(A) = Aᵀ: the events of a group of rows, each row's at r·k within the group
        int capacity = Math.Max(1, ta == Transpose.No ? k : ColumnGroup * k);
        int[] pos = ArrayPool<int>.Shared.Rent(capacity);
        float[] val = ArrayPool<float>.Shared.Rent(capacity);
        Span<int> counts = stackalloc int[ColumnGroup];
        try
        {
            for (int r = r0; r < r1; r++)
            {
                int count = 0, at = 0;
                if (ta == Transpose.No)
                {
                    // a row of A: its non-zeros found eight at a time
                    var row = a.Slice(r * lda, k);
                    count = SparseRows.NonZeros(row, pos);
                    for (int e = 0; e < count; e++) val[e] = row[pos[e]];
                }
                else
                {
                    int g = (r - r0) % ColumnGroup;
                    if (g == 0) TransposedEvents(a, lda, k, r, Math.Min(r1, r + ColumnGroup), counts, pos, val);
                    at = g * k;
                    count = counts[g];
                }
                var crow = c.Slice(r * ldc, n);
                int e0 = at, end = at + count;
                for (int k0 = 0; k0 < k; k0 += Kc)
                {
                    int e1 = e0;
                    while (e1 < end && pos[e1] < k0 + Kc) e1++;
                    bool overwrite = cleared && k0 == 0;
                    if (overwrite && e1 == e0 && TSink.ClearsEmptyRows) crow.Clear();
                    else if (e1 > e0 || !cleared || !TSink.ClearsEmptyRows) Chains(pos.AsSpan(e0, e1 - e0), val.AsSpan(e0, e1 - e0), b, ldb, crow, overwrite, ref sink);
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

    /// <summary>
    /// The events of rows c0..c1−1 of op(A) = Aᵀ (columns c0..c1−1 of A, at most <see cref="ColumnGroup"/>), kk ascending:
    /// row c0 + g's at g·k in <paramref name="pos"/>/<paramref name="val"/>, their number in counts[g]. One sweep down A,
    /// sixteen (or eight) columns per compare; a value is an event where it is not ±0 (NaN included), as for a row of A.
    /// </summary>
    private static void TransposedEvents(ReadOnlySpan<float> a, int lda, int k, int c0, int c1, Span<int> counts, int[] pos, float[] val)
    {
        int width = c1 - c0;
        counts[..width].Clear();
        ref float ra = ref MemoryMarshal.GetReference(a);
        for (int kk = 0; kk < k; kk++)
        {
            ref float row = ref Unsafe.Add(ref ra, kk * lda + c0);
            uint mask = 0;
            if (width == 16 && Vector512.IsHardwareAccelerated)
                mask = (uint)Vector512.ExtractMostSignificantBits(~Vector512.Equals(Vector512.LoadUnsafe(ref row), Vector512<float>.Zero).AsUInt32());
            else if (width >= 8 && Vector256.IsHardwareAccelerated)
            {
                mask = Vector256.ExtractMostSignificantBits(~Vector256.Equals(Vector256.LoadUnsafe(ref row), Vector256<float>.Zero).AsUInt32());
                for (int g = 8; g < width; g++) mask |= Unsafe.Add(ref row, g) != 0f ? 1u << g : 0u;
            }
            else
                for (int g = 0; g < width; g++) mask |= Unsafe.Add(ref row, g) != 0f ? 1u << g : 0u;
            while (mask != 0)
            {
                int g = System.Numerics.BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                int at = g * k + counts[g]++;
                pos[at] = kk;
                val[at] = Unsafe.Add(ref row, g);
            }
        }
    }

    [ThreadStatic] private static Job? CachedJob;

    /// <summary>The arguments of one parallel product, reused by the calling thread so that a product allocates nothing of its own.</summary>
    private sealed class Job
    {
        private Transpose _ta;
        private float[] _a = [], _b = [], _c = [];
        private int _m, _n, _k, _aOff, _lda, _bOff, _ldb, _cOff, _ldc, _parts;
        private float _alpha, _rate, _limit;
        private bool _cleared, _update;
        private readonly bool[] _within = new bool[64];
        public readonly Action<int> RunPart;

        public Job() => RunPart = Run;

        public void Set(Transpose ta, int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, bool cleared, int parts)
        {
            (_ta, _m, _n, _k, _alpha, _a, _aOff, _lda, _b, _bOff, _ldb, _c, _cOff, _ldc, _cleared, _parts) =
                (ta, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, cleared, parts);
            _update = false;
        }

        /// <summary>As <see cref="Set"/>, the rows' sums applied to C = W as a weight change (<see cref="UpdateWeights"/>).</summary>
        public void SetUpdate(Transpose ta, int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] w, int ldw, float rate, float limit, int parts)
        {
            Set(ta, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, w, 0, ldw, cleared: true, Math.Min(parts, _within.Length));
            (_update, _rate, _limit) = (true, rate, limit);
        }

        public int Parts => _parts;
        public bool AllWithin => !_within.AsSpan(0, _parts).Contains(false);

        public void Clear() => (_a, _b, _c) = ([], [], []);

        private void Run(int t)
        {
            int r0 = (int)((long)_m * t / _parts), r1 = (int)((long)_m * (t + 1) / _parts);
            if (_update)
            {
                var sink = new UpdateWeights(_alpha, _rate, _limit);
                Rows(_ta, r0, r1, _n, _k, _a.AsSpan(_aOff), _lda, _b.AsSpan(_bOff), _ldb, _c.AsSpan(_cOff), _ldc, cleared: true, ref sink);
                _within[t] = sink.Within;
            }
            else
            {
                var sink = new AddToC(_alpha);
                Rows(_ta, r0, r1, _n, _k, _a.AsSpan(_aOff), _lda, _b.AsSpan(_bOff), _ldb, _c.AsSpan(_cOff), _ldc, _cleared, ref sink);
            }
        }
    }

    /// <summary>One k-block of one row: t = the fma chain over the events, then C ← C + t or t·α + C, for every column (C read as +0 where <paramref name="overwrite"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chains<TSink>(ReadOnlySpan<int> pos, ReadOnlySpan<float> val, ReadOnlySpan<float> b, int ldb, Span<float> crow, bool overwrite,
        ref TSink sink) where TSink : struct, IRowSink
    {
        int n = crow.Length, events = pos.Length;
        if (val.Length != events) throw new ArgumentException("one value per event expected");
        if (events > 0 && (long)(pos[events - 1]) * ldb + n > b.Length) throw new ArgumentException("B is shorter than its rows");
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(crow);
        ref int rpos = ref MemoryMarshal.GetReference(pos);
        ref float rval = ref MemoryMarshal.GetReference(val);
        int j = 0;
        if (F512.IsAccelerated) j = Columns<F512, TSink>(ref rpos, ref rval, events, ref rb, ldb, ref rc, j, n, overwrite, ref sink);
        if (F256.IsAccelerated) j = Columns<F256, TSink>(ref rpos, ref rval, events, ref rb, ldb, ref rc, j, n, overwrite, ref sink);
        for (; j < n; j++)
        {
            float t = 0f;
            for (int e = 0; e < events; e++) t = MathF.FusedMultiplyAdd(Unsafe.Add(ref rval, e), Unsafe.Add(ref rb, Unsafe.Add(ref rpos, e) * ldb + j), t);
            sink.Put(ref Unsafe.Add(ref rc, j), t, overwrite);
        }
    }

    /// <summary>
    /// Columns j.. of the row in passes of up to eight whole registers (one accumulator each, every event's value
    /// broadcast once per pass); a last pass of fewer registers lets its missing accumulators repeat its last register
    /// (reads only, not stored), as the chains' latency, not their number, sets its time. Returns where the columns
    /// left (fewer than a register) start. One body for every register width (<see cref="ISimdFloat{TSelf}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Columns<TV, TSink>(ref int rpos, ref float rval, int events, ref float rb, int ldb, ref float rc, int j, int n,
        bool overwrite, ref TSink sink) where TV : struct, ISimdFloat<TV> where TSink : struct, IRowSink
    {
        int w = TV.Count;
        while (j + w <= n)
        {
            int regs = Math.Min(8, (n - j) / w), last = regs - 1;
            nuint o1 = (nuint)(Math.Min(1, last) * w), o2 = (nuint)(Math.Min(2, last) * w), o3 = (nuint)(Math.Min(3, last) * w);
            nuint o4 = (nuint)(Math.Min(4, last) * w), o5 = (nuint)(Math.Min(5, last) * w), o6 = (nuint)(Math.Min(6, last) * w);
            nuint o7 = (nuint)(Math.Min(7, last) * w);
            TV t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
            ref float bj = ref Unsafe.Add(ref rb, j);
            for (nint e = 0; e < events; e++)
            {
                var x = TV.Splat(Unsafe.Add(ref rval, e));
                ref float row = ref Unsafe.Add(ref bj, (nint)Unsafe.Add(ref rpos, e) * ldb);
                t0 = TV.FusedMultiplyAdd(x, TV.Load(ref row, 0), t0);
                t1 = TV.FusedMultiplyAdd(x, TV.Load(ref row, o1), t1);
                t2 = TV.FusedMultiplyAdd(x, TV.Load(ref row, o2), t2);
                t3 = TV.FusedMultiplyAdd(x, TV.Load(ref row, o3), t3);
                t4 = TV.FusedMultiplyAdd(x, TV.Load(ref row, o4), t4);
                t5 = TV.FusedMultiplyAdd(x, TV.Load(ref row, o5), t5);
                t6 = TV.FusedMultiplyAdd(x, TV.Load(ref row, o6), t6);
                t7 = TV.FusedMultiplyAdd(x, TV.Load(ref row, o7), t7);
            }
            ref float cj = ref Unsafe.Add(ref rc, j);
            sink.Put(ref cj, 0, t0, overwrite);
            if (regs > 1) sink.Put(ref cj, o1, t1, overwrite);
            if (regs > 2) sink.Put(ref cj, o2, t2, overwrite);
            if (regs > 3) sink.Put(ref cj, o3, t3, overwrite);
            if (regs > 4) sink.Put(ref cj, o4, t4, overwrite);
            if (regs > 5) sink.Put(ref cj, o5, t5, overwrite);
            if (regs > 6) sink.Put(ref cj, o6, t6, overwrite);
            if (regs > 7) sink.Put(ref cj, o7, t7, overwrite);
            j += regs * w;
        }
        return j;
    }
}

/// <summary>What an event-driven row does with its chains' sums t (<see cref="GemmSparseA"/>).</summary>
internal interface IRowSink
{
    /// <summary>Whether a row without events in an overwritten C is cleared without its chains (they would give 0).</summary>
    static abstract bool ClearsEmptyRows { get; }
    /// <summary>The lanes of t for the row's columns from <paramref name="j"/> on.</summary>
    void Put<TV>(ref float row, nuint j, TV t, bool overwrite) where TV : struct, ISimdFloat<TV>;
    /// <summary>One column's t.</summary>
    void Put(ref float cell, float t, bool overwrite);
}

/// <summary>The product: C ← C + t (α = 1) or t·α + C, C read as +0 where overwritten (β = 0).</summary>
internal readonly struct AddToC(float alpha) : IRowSink
{
    private readonly float _alpha = alpha;
    public static bool ClearsEmptyRows => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put<TV>(ref float row, nuint j, TV t, bool overwrite) where TV : struct, ISimdFloat<TV>
    {
        var cv = overwrite ? TV.Splat(0f) : TV.Load(ref row, j);
        (_alpha == 1f ? cv + t : t * TV.Splat(_alpha) + cv).Store(ref row, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(ref float cell, float t, bool overwrite)
    {
        float c0 = overwrite ? 0f : cell;
        cell = _alpha == 1f ? c0 + t : t * _alpha + c0;
    }
}

/// <summary>
/// The product as a weight change applied at once: ΔW = t·α + 0 (0 + t for α = 1: the product into a cleared C), then
/// W ← ΔW·rate + W (<see cref="ScaledUpdate"/>'s operations), and <see cref="Within"/> false once an updated |w| is not
/// below the limit (NaN included; a value exactly at the limit too, so that the caller's full check decides it).
/// </summary>
internal struct UpdateWeights(float alpha, float rate, float limit) : IRowSink
{
    private readonly float _alpha = alpha, _rate = rate, _limit = limit;
    /// <summary>True while every updated weight is below the limit in magnitude.</summary>
    public bool Within = true;
    public static bool ClearsEmptyRows => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put<TV>(ref float row, nuint j, TV t, bool overwrite) where TV : struct, ISimdFloat<TV>
    {
        var zero = TV.Splat(0f);
        var dw = _alpha == 1f ? zero + t : t * TV.Splat(_alpha) + zero;
        var w = dw * TV.Splat(_rate) + TV.Load(ref row, j);
        w.Store(ref row, j);
        if (TV.GreaterThan(TV.Splat(_limit), TV.Abs(w)).SetLanes() != TV.Count) Within = false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(ref float cell, float t, bool overwrite)
    {
        float dw = _alpha == 1f ? 0f + t : t * _alpha + 0f;
        float w = dw * _rate + cell;
        cell = w;
        if (!(_limit > MathF.Abs(w))) Within = false;
    }
}
