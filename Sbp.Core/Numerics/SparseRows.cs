using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sbp.Core.Numerics;

/// <summary>
/// Products with a mostly-zero left operand (spike trains, one-hot windows, Bernoulli-coded pixels), event-driven:
/// only the non-zero entries x[b, i] touch row i of the other operand.
///   Multiply:               out[b, :] (+)= Σ_i x[b, i]·W[i, :]
///   TransposeMultiplyAdd:   G[i, :] += Σ_b (scale·x[b, i])·d[b, :]
/// Each event adds a row: o ← o + row when the factor is 1, o ← row·f + o otherwise (no fused multiply-add), and every
/// output element receives its events in the order of <see cref="Reference.ScalarSparseRows"/> (i ascending for
/// Multiply, b ascending for the gradient), so the results are bitwise the oracle's. The speed comes from keeping a
/// block of outputs in 8 registers (128 outputs with 512-bit registers, else 64; one body for both widths,
/// <c>AddBlock</c>) across all the events of a row instead of loading and storing it per event, from sweeping the other
/// operand one slab of such a block's columns at a time (the slab stays in cache while every row uses it; the
/// gradient's operand, read at random rows, copied contiguous first, a group of steps at a time), and from finding the
/// non-zeros sixteen at a time where 512-bit registers run (compare, then the positions packed by VPCOMPRESSD), else
/// eight (compare, bit mask). A gradient narrower than one block (an output
/// layer) skips the sort: its events are added row by row as they come, which is the same order per element.
/// Each returns the synaptic events it performed (non-zeros × row length).
/// </summary>
public static class SparseRows
{
    private const int Block = 64;
    /// <summary>
    /// Columns of the other operand swept by all events before the next slab: one register block (8 registers of 16
    /// lanes where 512-bit vectors run in hardware, else of 8): 128 columns of a 784-row W are 400 KB, within L2.
    /// </summary>
    private static readonly int Slab = F512.IsAccelerated ? 8 * F512.Count : Block;
    /// <summary>
    /// Rows of the gradient's other operand swept per group of steps: 512 rows of one slab (256 KB at 128 columns) stay
    /// in L2 beside the rows of G they update (all 20 steps of a batch of 100, 1 MB, did not: 25% slower).
    /// </summary>
    private const int SlabRows = 512;

    /// <summary>out[b, :] (+)= Σ_i x[b, i]·W[i, :] for b &lt; batch (x: batch x n, W: n x m, out: batch x m).</summary>
    public static long Multiply(ReadOnlySpan<float> x, int batch, int n, Matrix w, Span<float> output, bool accumulate)
    {
        int m = w.Cols;
        if (w.Rows != n) throw new ArgumentException($"W has {w.Rows} rows, x has {n} columns");
        if (x.Length < batch * n || output.Length < batch * m) throw new ArgumentException($"x or out holds fewer than {batch} rows");
        long events = 0;
        int[] idx = ArrayPool<int>.Shared.Rent(Math.Max(1, batch * n));
        int[] count = ArrayPool<int>.Shared.Rent(Math.Max(1, batch));
        try
        {
            for (int b = 0; b < batch; b++)
            {
                if (!accumulate) output.Slice(b * m, m).Clear();
                var xr = x.Slice(b * n, n);
                int c = NonZeros(xr, idx.AsSpan(b * n, n));
                count[b] = c;
                events += (long)c * m;
            }
            // one slab of columns of W for every sample in turn: the slab stays in cache while the samples use it
            for (int j0 = 0; j0 < m; j0 += Slab)
            {
                int j1 = Math.Min(m, j0 + Slab);
                for (int b = 0; b < batch; b++)
                    if (count[b] > 0)
                        AddRows(output.Slice(b * m, m), w.Data, m, idx.AsSpan(b * n, count[b]), x.Slice(b * n, n), 1, 0, j0, j1);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(idx);
            ArrayPool<int>.Shared.Return(count);
        }
        return events;
    }

    /// <summary>G[i, :] += scale·Σ_b x[b, i]·d[b, :] (x: batch x n, d: batch x m, G: n x m): the weight gradient xᵀd.</summary>
    public static long TransposeMultiplyAdd(ReadOnlySpan<float> x, int batch, int n, ReadOnlySpan<float> d, Matrix g, float scale = 1f)
    {
        if (g.Rows != n) throw new ArgumentException($"G has {g.Rows} rows, x has {n} columns");
        if (x.Length < batch * n || d.Length < batch * g.Cols) throw new ArgumentException($"x or d holds fewer than {batch} rows");
        return TransposeMultiplyAddRows(x, batch, n, d, g, scale, 0, n);
    }

    /// <summary>
    /// The two products with their work split between up to <paramref name="threads"/> threads: Multiply by samples,
    /// the gradient by rows of G. Every output element gets the same operations as on one thread. Rows narrower than
    /// one register block (64 outputs) are too little work to share and stay on the calling thread.
    /// </summary>
    public static long Multiply(Matrix x, int batch, Matrix w, Matrix output, bool accumulate, int threads)
    {
        if (x.Cols != w.Rows || output.Cols != w.Cols || batch > x.Rows || batch > output.Rows)
            throw new ArgumentException($"x {x.Rows}x{x.Cols}, W {w.Rows}x{w.Cols} and out {output.Rows}x{output.Cols} do not fit a batch of {batch}");
        threads = w.Cols < Block ? 1 : Math.Clamp(threads, 1, Math.Max(1, batch));
        if (threads == 1) return Multiply(x.Data.AsSpan(0, batch * x.Cols), batch, x.Cols, w, output.Data, accumulate);
        var job = CachedJob ??= new Job();
        job.Set(x, batch, w, output, accumulate, 1f, threads, forward: true);
        Team.For(threads, job.RunPart);
        return job.Finish();
    }

    /// <summary>G += scale·xᵀd with the rows of G split between up to <paramref name="threads"/> threads.</summary>
    public static long TransposeMultiplyAdd(Matrix x, int batch, Matrix d, Matrix g, float scale, int threads)
    {
        if (x.Cols != g.Rows || d.Cols != g.Cols || batch > x.Rows || batch > d.Rows)
            throw new ArgumentException($"x {x.Rows}x{x.Cols}, d {d.Rows}x{d.Cols} and G {g.Rows}x{g.Cols} do not fit a batch of {batch}");
        threads = g.Cols < Block ? 1 : Math.Clamp(threads, 1, Math.Max(1, g.Rows));
        if (threads == 1) return TransposeMultiplyAdd(x.Data.AsSpan(0, batch * x.Cols), batch, x.Cols, d.Data, g, scale);
        var job = CachedJob ??= new Job();
        job.Set(x, batch, d, g, false, scale, threads, forward: false);
        Team.For(threads, job.RunPart);
        return job.Finish();
    }

    /// <summary>
    /// G += scale·Σ_q x_qᵀd_q over the steps q = 0, 1, … of <paramref name="x"/> in that order, d_q the rows
    /// q·<paramref name="stepStride"/> .. of <paramref name="d"/> (row length G.Cols): every element of G receives the
    /// events of step 0 (b ascending), then of step 1, … — the operations of one <see cref="TransposeMultiplyAdd(Matrix, int, Matrix, Matrix, float, int)"/>
    /// per step in that order — while a block of G stays in registers across all steps instead of being loaded and
    /// stored once per step. Rows of G split between up to <paramref name="threads"/> threads.
    /// </summary>
    public static long TransposeMultiplyAddSteps(Matrix[] x, int batch, float[] d, int stepStride, Matrix g, float scale, int threads)
    {
        int n = g.Rows, m = g.Cols;
        if (x.Length == 0) return 0;
        if (stepStride < batch || d.Length < (long)((x.Length - 1) * stepStride + batch) * m)
            throw new ArgumentException($"d holds fewer than {x.Length} steps of {batch} rows of {m}");
        foreach (var xq in x)
            if (xq.Cols != n || batch > xq.Rows) throw new ArgumentException($"x {xq.Rows}x{xq.Cols} does not fit G {n}x{m} and a batch of {batch}");
        // a narrow G (an output layer) is worth sharing only with many events: all steps of a batch together
        threads = m < Block && (long)x.Length * batch * n < 1 << 16 ? 1 : Math.Clamp(threads, 1, Math.Max(1, n));
        if (threads == 1) return StepRows(x, batch, d, stepStride, g, scale, 0, n);
        var job = CachedStepJob ??= new StepJob();
        job.Set(x, batch, d, stepStride, g, scale, threads);
        Team.For(threads, job.RunPart);
        return job.Finish();
    }

    [ThreadStatic] private static StepJob? CachedStepJob;

    private sealed class StepJob
    {
        private Matrix[] _x = [];
        private float[] _d = [];
        private Matrix? _g;
        private int _batch, _stride, _threads;
        private float _scale;
        private long _events;
        public readonly Action<int> RunPart;

        public StepJob() => RunPart = Run;

        public void Set(Matrix[] x, int batch, float[] d, int stride, Matrix g, float scale, int threads) =>
            (_x, _batch, _d, _stride, _g, _scale, _threads, _events) = (x, batch, d, stride, g, scale, threads, 0);

        public long Finish()
        {
            (_x, _d, _g) = ([], [], null);
            return _events;
        }

        private void Run(int t)
        {
            int n = _g!.Rows;
            int i0 = (int)((long)n * t / _threads), i1 = (int)((long)n * (t + 1) / _threads);
            Interlocked.Add(ref _events, StepRows(_x, _batch, _d, _stride, _g, _scale, i0, i1));
        }
    }

    /// <summary>
    /// Rows i0..i1−1 of G += scale·Σ_q x_qᵀd_q: per group of steps, a counting sort of its events by i, (q, b) ascending; a G narrower
    /// than one block takes the events as they come instead (<see cref="ScatterEvents"/>), the same order per element.
    /// </summary>
    private static long StepRows(ReadOnlySpan<Matrix> x, int batch, float[] d, int stride, Matrix g, float scale, int i0, int i1)
    {
        int n = g.Rows, width = i1 - i0, steps = x.Length;
        int[] scratch = ArrayPool<int>.Shared.Rent(Math.Max(1, width));
        if (g.Cols < Block)
        {
            try
            {
                long events = 0;
                for (int q = 0; q < steps; q++) events += ScatterEvents(x[q].Data, batch, n, i0, width, q * stride, scale, d, g, scratch);
                return events;
            }
            finally { ArrayPool<int>.Shared.Return(scratch); }
        }
        // the steps in groups whose slab of d (rows × one slab of columns) stays in L2 while every row of G reads it;
        // the groups in step order keep every element's events in (q, b) order
        int group = Math.Clamp(SlabRows / Math.Max(1, stride), 1, steps);
        int capacity = Math.Max(1, group * batch * width);
        int[] start = ArrayPool<int>.Shared.Rent(width + 1);
        int[] rowsOf = ArrayPool<int>.Shared.Rent(capacity);
        float[] factors = ArrayPool<float>.Shared.Rent(capacity);
        try
        {
            long events = 0;
            for (int q0 = 0; q0 < steps; q0 += group)
            {
                int q1 = Math.Min(steps, q0 + group);
                Array.Clear(start, 0, width + 1);
                for (int q = q0; q < q1; q++) CountEvents(x[q].Data, batch, n, i0, width, start, scratch);
                for (int i = 0; i < width; i++) start[i + 1] += start[i];
                for (int q = q0; q < q1; q++) PlaceEvents(x[q].Data, batch, n, i0, width, (q - q0) * stride, scale, start, rowsOf, factors, scratch);
                var rows = d.AsSpan(q0 * stride * g.Cols, ((q1 - q0 - 1) * stride + batch) * g.Cols);
                events += AddColumns(g, rows, i0, width, start, rowsOf, factors);
            }
            return events;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(scratch);
            ArrayPool<int>.Shared.Return(start);
            ArrayPool<int>.Shared.Return(rowsOf);
            ArrayPool<float>.Shared.Return(factors);
        }
    }

    [ThreadStatic] private static Job? CachedJob;

    /// <summary>The arguments of one split product, reused by the calling thread.</summary>
    private sealed class Job
    {
        private Matrix? _x, _other, _out;
        private int _batch, _threads;
        private bool _accumulate, _forward;
        private float _scale;
        private long _events;
        public readonly Action<int> RunPart;

        public Job() => RunPart = Run;

        public void Set(Matrix x, int batch, Matrix other, Matrix output, bool accumulate, float scale, int threads, bool forward) =>
            (_x, _batch, _other, _out, _accumulate, _scale, _threads, _forward, _events) = (x, batch, other, output, accumulate, scale, threads, forward, 0);

        public long Finish()
        {
            (_x, _other, _out) = (null, null, null);
            return _events;
        }

        private void Run(int t)
        {
            var x = _x!;
            int n = x.Cols;
            long events;
            if (_forward)
            {
                int r0 = (int)((long)_batch * t / _threads), r1 = (int)((long)_batch * (t + 1) / _threads), m = _out!.Cols;
                events = Multiply(x.Data.AsSpan(r0 * n, (r1 - r0) * n), r1 - r0, n, _other!, _out.Data.AsSpan(r0 * m, (r1 - r0) * m), _accumulate);
            }
            else
            {
                int i0 = (int)((long)n * t / _threads), i1 = (int)((long)n * (t + 1) / _threads);
                events = TransposeMultiplyAddRows(x.Data, _batch, n, _other!.Data, _out!, _scale, i0, i1);
            }
            Interlocked.Add(ref _events, events);
        }
    }

    /// <summary>G[i, :] += scale·Σ_b x[b, i]·d[b, :] for the rows i0..i1−1 of G only.</summary>
    private static long TransposeMultiplyAddRows(ReadOnlySpan<float> x, int batch, int n, ReadOnlySpan<float> d, Matrix g, float scale, int i0, int i1)
    {
        // the events of column i of x, b ascending: a counting sort of the non-zeros by i (columns i0..i1−1), or for a
        // narrow G the events as they come (the same order per element)
        int width = i1 - i0;
        int[] scratch = ArrayPool<int>.Shared.Rent(Math.Max(1, width));
        if (g.Cols < Block)
        {
            try { return ScatterEvents(x, batch, n, i0, width, 0, scale, d, g, scratch); }
            finally { ArrayPool<int>.Shared.Return(scratch); }
        }
        int[] start = ArrayPool<int>.Shared.Rent(width + 1);
        int[] rowsOf = ArrayPool<int>.Shared.Rent(Math.Max(1, batch * width));
        float[] factors = ArrayPool<float>.Shared.Rent(Math.Max(1, batch * width));
        try
        {
            Array.Clear(start, 0, width + 1);
            CountEvents(x, batch, n, i0, width, start, scratch);
            for (int i = 0; i < width; i++) start[i + 1] += start[i];
            PlaceEvents(x, batch, n, i0, width, 0, scale, start, rowsOf, factors, scratch);
            return AddColumns(g, d, i0, width, start, rowsOf, factors);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(scratch);
            ArrayPool<int>.Shared.Return(start);
            ArrayPool<int>.Shared.Return(rowsOf);
            ArrayPool<float>.Shared.Return(factors);
        }
    }

    /// <summary>Counting sort, pass 1: start[i + 1] += the non-zeros of column i0 + i of the batch x (b x n).</summary>
    private static void CountEvents(ReadOnlySpan<float> x, int batch, int n, int i0, int width, int[] start, Span<int> scratch)
    {
        for (int b = 0; b < batch; b++)
        {
            int c = NonZeros(x.Slice(b * n + i0, width), scratch);
            for (int e = 0; e < c; e++) start[scratch[e] + 1]++;
        }
    }

    /// <summary>
    /// Counting sort, pass 2: each non-zero x[b, i0 + i] goes to slot start[i]++ as (row rowBase + b, factor
    /// x·scale), b ascending; afterwards start[i] ends column i.
    /// </summary>
    private static void PlaceEvents(ReadOnlySpan<float> x, int batch, int n, int i0, int width, int rowBase, float scale,
        int[] start, int[] rowsOf, float[] factors, Span<int> scratch)
    {
        for (int b = 0; b < batch; b++)
        {
            var xr = x.Slice(b * n + i0, width);
            int c = NonZeros(xr, scratch);
            for (int e = 0; e < c; e++)
            {
                int i = scratch[e];
                int at = start[i]++;
                rowsOf[at] = rowBase + b;
                factors[at] = xr[i] * scale;
            }
        }
    }

    /// <summary>
    /// Rows i0.. of G (fewer than one block of columns): G[i0 + i, :] += (scale·x[b, i0 + i])·d[rowBase + b, :] for every
    /// non-zero, b ascending: each element of G gets its events in the order of the counting sort, without sorting.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long ScatterEvents(ReadOnlySpan<float> x, int batch, int n, int i0, int width, int rowBase, float scale,
        ReadOnlySpan<float> d, Matrix g, Span<int> scratch)
    {
        int m = g.Cols;
        long events = 0;
        ref float rg = ref MemoryMarshal.GetArrayDataReference(g.Data);
        ref float rd = ref MemoryMarshal.GetReference(d);
        for (int b = 0; b < batch; b++)
        {
            var xr = x.Slice(b * n + i0, width);
            int c = NonZeros(xr, scratch);
            events += (long)c * m;
            ref float src = ref Unsafe.Add(ref rd, (rowBase + b) * m);
            for (int e = 0; e < c; e++)
            {
                int i = scratch[e];
                float f = xr[i] * scale;
                ref float dst = ref Unsafe.Add(ref rg, (i0 + i) * m);
                int j = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; j + 8 <= m; j += 8)
                    {
                        var v = Vector256.LoadUnsafe(ref src, (nuint)j);
                        var a = Vector256.LoadUnsafe(ref dst, (nuint)j);
                        (f == 1f ? a + v : v * Vector256.Create(f) + a).StoreUnsafe(ref dst, (nuint)j);
                    }
                for (; j < m; j++)
                {
                    float v = Unsafe.Add(ref src, j);
                    float a = Unsafe.Add(ref dst, j);
                    Unsafe.Add(ref dst, j) = f == 1f ? a + v : v * f + a;
                }
            }
        }
        return events;
    }

    /// <summary>The positions of the non-zeros of <paramref name="x"/>, ascending, into <paramref name="index"/>; returns their count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int NonZeros(ReadOnlySpan<float> x, Span<int> index)
    {
        int n = x.Length;
        if (index.Length < n) throw new ArgumentException($"room for {n} positions expected, got {index.Length}");
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref int ri = ref MemoryMarshal.GetReference(index);
        int c = 0, i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            // 16 at a time without a branch per non-zero: the positions of the non-zero lanes packed to the front of
            // a register (VPCOMPRESSD) and stored whole at c; the lanes past the count are overwritten by the next
            // store or ignored (c ≤ i, so the store stays inside index)
            var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (; i + 16 <= n; i += 16)
            {
                var nonZero = ~Vector512.Equals(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512<float>.Zero);
                Avx512F.Compress(Vector512<int>.Zero, nonZero.AsInt32(), lanes + Vector512.Create(i)).StoreUnsafe(ref ri, (nuint)c);
                c += System.Numerics.BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
            }
        }
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
            {
                uint bits = Vector256.ExtractMostSignificantBits(~Vector256.Equals(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256<float>.Zero));
                while (bits != 0)
                {
                    Unsafe.Add(ref ri, c++) = i + System.Numerics.BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
        for (; i < n; i++)
        {
            Unsafe.Add(ref ri, c) = i;
            c += Unsafe.Add(ref rx, i) != 0f ? 1 : 0;
        }
        return c;
    }

    /// <summary>
    /// G[i0 + i, :] += Σ over column i's events of factor·d[row, :]; column i spans start[i−1] .. start[i]. The rows of
    /// d are read at random, so each slab of 64 columns of d is first copied into one contiguous block (64 columns of
    /// 2,000 rows are 500 KB, within L2), which every row of G then sweeps.
    /// </summary>
    private static long AddColumns(Matrix g, ReadOnlySpan<float> d, int i0, int width, int[] start, int[] rowsOf, float[] factors)
    {
        int m = g.Cols, rows = d.Length / m;
        float[] slab = ArrayPool<float>.Shared.Rent(Math.Max(1, rows * Slab));
        try
        {
            for (int j0 = 0; j0 < m; j0 += Slab)
            {
                int w = Math.Min(m, j0 + Slab) - j0;
                for (int r = 0; r < rows; r++) d.Slice(r * m + j0, w).CopyTo(slab.AsSpan(r * w, w));
                for (int i = 0; i < width; i++)
                {
                    int e0 = i == 0 ? 0 : start[i - 1], e1 = start[i];
                    if (e1 == e0) continue;
                    AddRows(g.Data.AsSpan((i0 + i) * m + j0, w), slab, w, rowsOf.AsSpan(e0, e1 - e0), factors.AsSpan(e0, e1 - e0), 0, 1, 0, w);
                }
            }
        }
        finally { ArrayPool<float>.Shared.Return(slab); }
        return (long)(width == 0 ? 0 : start[width - 1]) * m;
    }

    /// <summary>o[j0..j1−1] += the events' rows of src (row length m) times their factors, event by event in order.</summary>
    // (fully optimised from the first call: with profile-guided tiering this loop came out 25% slower in some processes)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRows(Span<float> o, ReadOnlySpan<float> src, int m, ReadOnlySpan<int> rows, ReadOnlySpan<float> factors, int factorByRow, int factorByEvent,
        int j0, int j1)
    {
        int count = rows.Length;
        if (j0 < 0 || j1 > m || j1 > o.Length) throw new ArgumentException($"columns {j0}..{j1} outside a row of {m}");
        ref float ro = ref MemoryMarshal.GetReference(o);
        ref float rs = ref MemoryMarshal.GetReference(src);
        int j = j0;
        if (F512.IsAccelerated)
        {
            for (; j + 8 * F512.Count <= j1; j += 8 * F512.Count) AddBlock<F512>(ref ro, ref rs, m, rows, factors, factorByRow, factorByEvent, j);
            if (j < j1 && j1 >= F512.Count)
            {
                AddRemainder<F512>(ref ro, ref rs, m, rows, factors, factorByRow, factorByEvent, j, j1);
                return;
            }
        }
        if (F256.IsAccelerated)
        {
            for (; j + Block <= j1; j += Block) AddBlock<F256>(ref ro, ref rs, m, rows, factors, factorByRow, factorByEvent, j);
            if (j < j1 && j1 >= F256.Count)
            {
                AddRemainder<F256>(ref ro, ref rs, m, rows, factors, factorByRow, factorByEvent, j, j1);
                return;
            }
        }
        for (; j < j1; j++)
        {
            float a = Unsafe.Add(ref ro, j);
            for (int e = 0; e < count; e++)
            {
                int r = rows[e];
                float f = factors[r * factorByRow + e * factorByEvent];
                float v = Unsafe.Add(ref rs, r * m + j);
                a = f == 1f ? a + v : v * f + a;
            }
            Unsafe.Add(ref ro, j) = a;
        }
    }

    /// <summary>o[j .. j + 8·TV.Count − 1] += the events' rows times their factors, the block held in 8 registers across the events.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBlock<TV>(ref float ro, ref float rs, int m, ReadOnlySpan<int> rows, ReadOnlySpan<float> factors, int factorByRow, int factorByEvent, int j)
        where TV : struct, ISimdFloat<TV>
    {
        int w = TV.Count;
        nuint o = (nuint)j;
        var a0 = TV.Load(ref ro, o); var a1 = TV.Load(ref ro, o + (nuint)w);
        var a2 = TV.Load(ref ro, o + (nuint)(2 * w)); var a3 = TV.Load(ref ro, o + (nuint)(3 * w));
        var a4 = TV.Load(ref ro, o + (nuint)(4 * w)); var a5 = TV.Load(ref ro, o + (nuint)(5 * w));
        var a6 = TV.Load(ref ro, o + (nuint)(6 * w)); var a7 = TV.Load(ref ro, o + (nuint)(7 * w));
        for (int e = 0; e < rows.Length; e++)
        {
            int r = rows[e];
            float f = factors[r * factorByRow + e * factorByEvent];
            ref float row = ref Unsafe.Add(ref rs, r * m + j);
            if (f == 1f)
            {
                a0 += TV.Load(ref row, 0); a1 += TV.Load(ref row, (nuint)w);
                a2 += TV.Load(ref row, (nuint)(2 * w)); a3 += TV.Load(ref row, (nuint)(3 * w));
                a4 += TV.Load(ref row, (nuint)(4 * w)); a5 += TV.Load(ref row, (nuint)(5 * w));
                a6 += TV.Load(ref row, (nuint)(6 * w)); a7 += TV.Load(ref row, (nuint)(7 * w));
            }
            else
            {
                var vf = TV.Splat(f);
                a0 = TV.Load(ref row, 0) * vf + a0; a1 = TV.Load(ref row, (nuint)w) * vf + a1;
                a2 = TV.Load(ref row, (nuint)(2 * w)) * vf + a2; a3 = TV.Load(ref row, (nuint)(3 * w)) * vf + a3;
                a4 = TV.Load(ref row, (nuint)(4 * w)) * vf + a4; a5 = TV.Load(ref row, (nuint)(5 * w)) * vf + a5;
                a6 = TV.Load(ref row, (nuint)(6 * w)) * vf + a6; a7 = TV.Load(ref row, (nuint)(7 * w)) * vf + a7;
            }
        }
        a0.Store(ref ro, o); a1.Store(ref ro, o + (nuint)w);
        a2.Store(ref ro, o + (nuint)(2 * w)); a3.Store(ref ro, o + (nuint)(3 * w));
        a4.Store(ref ro, o + (nuint)(4 * w)); a5.Store(ref ro, o + (nuint)(5 * w));
        a6.Store(ref ro, o + (nuint)(6 * w)); a7.Store(ref ro, o + (nuint)(7 * w));
    }

    /// <summary>
    /// Columns j..j1−1 (fewer than one block of 8 registers, at least one register wide: j1 ≥ TV.Count) for every event:
    /// whole registers, then the last TV.Count columns (overlapping the ones before) of which only the tail lanes are
    /// stored. Each lane gets the operations of <see cref="AddBlock{TV}"/>, in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRemainder<TV>(ref float ro, ref float rs, int m, ReadOnlySpan<int> rows, ReadOnlySpan<float> factors, int factorByRow, int factorByEvent, int j, int j1)
        where TV : struct, ISimdFloat<TV>
    {
        int w = TV.Count, nv = (j1 - j) / w, tail = (j1 - j) % w, jt = j1 - w;
        nuint u = (nuint)w;
        TV a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, at = default;
        if (nv > 0) a0 = TV.Load(ref ro, (nuint)j);
        if (nv > 1) a1 = TV.Load(ref ro, (nuint)j + u);
        if (nv > 2) a2 = TV.Load(ref ro, (nuint)j + 2 * u);
        if (nv > 3) a3 = TV.Load(ref ro, (nuint)j + 3 * u);
        if (nv > 4) a4 = TV.Load(ref ro, (nuint)j + 4 * u);
        if (nv > 5) a5 = TV.Load(ref ro, (nuint)j + 5 * u);
        if (nv > 6) a6 = TV.Load(ref ro, (nuint)j + 6 * u);
        if (tail > 0) at = TV.Load(ref ro, (nuint)jt);
        for (int e = 0; e < rows.Length; e++)
        {
            int r = rows[e];
            float f = factors[r * factorByRow + e * factorByEvent];
            ref float row = ref Unsafe.Add(ref rs, r * m + j);
            ref float rowT = ref Unsafe.Add(ref rs, r * m + jt);
            if (f == 1f)
            {
                if (nv > 0) a0 += TV.Load(ref row, 0);
                if (nv > 1) a1 += TV.Load(ref row, u);
                if (nv > 2) a2 += TV.Load(ref row, 2 * u);
                if (nv > 3) a3 += TV.Load(ref row, 3 * u);
                if (nv > 4) a4 += TV.Load(ref row, 4 * u);
                if (nv > 5) a5 += TV.Load(ref row, 5 * u);
                if (nv > 6) a6 += TV.Load(ref row, 6 * u);
                if (tail > 0) at += TV.Load(ref rowT, 0);
            }
            else
            {
                var vf = TV.Splat(f);
                if (nv > 0) a0 = TV.Load(ref row, 0) * vf + a0;
                if (nv > 1) a1 = TV.Load(ref row, u) * vf + a1;
                if (nv > 2) a2 = TV.Load(ref row, 2 * u) * vf + a2;
                if (nv > 3) a3 = TV.Load(ref row, 3 * u) * vf + a3;
                if (nv > 4) a4 = TV.Load(ref row, 4 * u) * vf + a4;
                if (nv > 5) a5 = TV.Load(ref row, 5 * u) * vf + a5;
                if (nv > 6) a6 = TV.Load(ref row, 6 * u) * vf + a6;
                if (tail > 0) at = TV.Load(ref rowT, 0) * vf + at;
            }
        }
        if (nv > 0) a0.Store(ref ro, (nuint)j);
        if (nv > 1) a1.Store(ref ro, (nuint)j + u);
        if (nv > 2) a2.Store(ref ro, (nuint)j + 2 * u);
        if (nv > 3) a3.Store(ref ro, (nuint)j + 3 * u);
        if (nv > 4) a4.Store(ref ro, (nuint)j + 4 * u);
        if (nv > 5) a5.Store(ref ro, (nuint)j + 5 * u);
        if (nv > 6) a6.Store(ref ro, (nuint)j + 6 * u);
        if (tail > 0)
        {
            // lanes w − tail .. w − 1 are the tail columns; the others keep what is stored (final values of other registers)
            var mask = TV.GreaterThan(TV.Indices, TV.Splat(w - tail - 0.5f));
            TV.Select(mask, at, TV.Load(ref ro, (nuint)jt)).Store(ref ro, (nuint)jt);
        }
    }
}
