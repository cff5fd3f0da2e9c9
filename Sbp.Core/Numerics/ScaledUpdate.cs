using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>
/// One pass over a weight matrix for an unconstrained update and its check:
///   w ← Δw·α + w  (multiply, then add: the operations of TensorPrimitives.MultiplyAdd, no fused multiply-add)
///   ok ⇔ |w| ≤ limit for every updated value (false for NaN and ±∞)
/// so that the update and the divergence check read the 392k weights of a layer once instead of twice.
/// </summary>
internal static class ScaledUpdate
{
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
