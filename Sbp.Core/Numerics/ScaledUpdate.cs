using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>
/// One pass over a weight matrix for an unconstrained update and its check:
///   w ← Δw·α + w  (multiply, then add: the operations of TensorPrimitives.MultiplyAdd, no fused multiply-add)
///   ok ⇔ |w| ≤ limit for every updated value (false for NaN and ±∞)
/// so that the update and the divergence check read the 392k weights of a layer once instead of twice. Each element is
/// its own: any split of the elements between threads gives the same bits.
/// </summary>
internal static class ScaledUpdate
{
    /// <summary>From this many elements the pass is split between threads.</summary>
    internal const int ParallelElements = 1 << 16;

    /// <summary>The pass over w and Δw in up to <paramref name="threads"/> contiguous parts; true when every part's check holds.</summary>
    public static bool AddScaledWithin(float[] w, float[] dw, float alpha, float limit, int threads)
    {
        int n = w.Length;
        if (dw.Length < n) throw new ArgumentException($"ΔW holds {dw.Length} values, W {n}");
        int parts = n >= ParallelElements ? Math.Clamp(threads, 1, Job.MaxParts) : 1;
        if (parts == 1) return AddScaledWithin(w, dw, alpha, limit);
        var job = CachedJob ??= new Job();
        job.Set(w, dw, alpha, limit, parts);
        try { Team.For(parts, job.RunPart); }
        finally { job.Clear(); }
        return job.AllWithin;
    }

    [ThreadStatic] private static Job? CachedJob;

    /// <summary>One split pass's operands, reused by its calling thread so that a pass allocates nothing.</summary>
    private sealed class Job
    {
        public const int MaxParts = 16;
        private float[] _w = [], _dw = [];
        private float _alpha, _limit;
        private int _parts;
        private readonly bool[] _within = new bool[MaxParts];
        public readonly Action<int> RunPart;

        public Job() => RunPart = Run;

        public void Set(float[] w, float[] dw, float alpha, float limit, int parts) =>
            (_w, _dw, _alpha, _limit, _parts) = (w, dw, alpha, limit, parts);

        public void Clear() => (_w, _dw) = ([], []);

        public bool AllWithin => !_within.AsSpan(0, _parts).Contains(false);

        private void Run(int part)
        {
            // part boundaries at multiples of 16 elements (64 bytes)
            int blocks = _w.Length / 16;
            int i0 = (int)((long)blocks * part / _parts) * 16;
            int i1 = part == _parts - 1 ? _w.Length : (int)((long)blocks * (part + 1) / _parts) * 16;
            _within[part] = AddScaledWithin(_w.AsSpan(i0, i1 - i0), _dw.AsSpan(i0, i1 - i0), _alpha, _limit);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AddScaledWithin(Span<float> w, ReadOnlySpan<float> dw, float alpha, float limit)
    {
        int n = w.Length;
        if (dw.Length < n) throw new ArgumentException($"ΔW holds {dw.Length} values, W {n}");
        ref float rw = ref MemoryMarshal.GetReference(w);
        ref float rd = ref MemoryMarshal.GetReference(dw);
        int i = 0;
        bool ok = true;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            var vl = Vector256.Create(limit);
            var within = Vector256<float>.AllBitsSet;
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref rd, (nuint)i) * va + Vector256.LoadUnsafe(ref rw, (nuint)i);
                v.StoreUnsafe(ref rw, (nuint)i);
                // |v| ≤ limit is false for NaN
                within &= Vector256.LessThanOrEqual(Vector256.Abs(v), vl);
            }
            ok = Vector256.EqualsAll(within.AsInt32(), Vector256<int>.AllBitsSet);
        }
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref rd, i) * alpha + Unsafe.Add(ref rw, i);
            Unsafe.Add(ref rw, i) = v;
            ok &= MathF.Abs(v) <= limit;
        }
        return ok;
    }
}
