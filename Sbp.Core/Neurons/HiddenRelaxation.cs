using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sbp.Core.Numerics;

namespace Sbp.Core.Neurons;

/// <summary>
/// One relaxation step of a hidden layer of the spiking STDP network (docs/SBP-SPEC.md §4), per element, given the
/// layer's full drive d (= s_{ℓ−1}W_{ℓ−1} + b_ℓ + s_{ℓ+1}W_ℓᵀ):
///   s ← σ(s − ε(s − d)) = tanh(((s − d)·(−ε) + s) / 2)
/// in one pass over memory: the operations, in single precision and without fused multiply-adds, of the separate
/// passes s − d, (·)(−ε) + s, ·½ and tanh in the form asked for (<see cref="TanhForm"/>; its per-lane formula on the
/// register just computed; the last few elements on a register padded with zeros), so the results are bitwise
/// theirs. One body for every register width (<see cref="ISimdFloat{TSelf}"/>); fewer elements than a register, or no
/// vector hardware, take the separate passes.
/// </summary>
public static class HiddenRelaxation
{
    /// <summary>s ← σ(s − ε(s − d)) for every element; d is read only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(Span<float> s, ReadOnlySpan<float> d, float eps, TanhForm form = TanhForm.Exact)
    {
        if (form == TanhForm.Fast) Step<FastTanhLanes>(s, d, eps);
        else Step<ExactTanhLanes>(s, d, eps);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step<TF>(Span<float> s, ReadOnlySpan<float> d, float eps) where TF : struct, ITanhLanes
    {
        int n = s.Length;
        if (d.Length != n) throw new ArgumentException($"the drive holds {d.Length} values, the state {n}");
        ref float rs = ref MemoryMarshal.GetReference(s);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (F512.IsAccelerated && n >= F512.Count) Vectors<F512, TF>(n, eps, ref rs, ref rd);
        else if (F256.IsAccelerated && n >= F256.Count) Vectors<F256, TF>(n, eps, ref rs, ref rd);
        else
        {
            for (int i = 0; i < n; i++) Unsafe.Add(ref rs, i) = Half(Unsafe.Add(ref rs, i), Unsafe.Add(ref rd, i), eps);
            TanhLanes.Compute<TF>(s, s);
        }
    }

    /// <summary>((s − d)·(−ε) + s)·½, the argument of tanh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Half(float s, float d, float eps) => ((s - d) * -eps + s) * 0.5f;

    /// <summary>n ≥ TV.Count elements: whole registers with tanh in registers, then the tail up to its argument and tanh on a padded register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Vectors<TV, TF>(int n, float eps, ref float rs, ref float rd) where TV : struct, ISimdFloat<TV> where TF : struct, ITanhLanes
    {
        var ve = TV.Splat(-eps);
        var vhalf = TV.Splat(0.5f);
        int i = 0, w = TV.Count;
        for (; i + w <= n; i += w)
        {
            nuint o = (nuint)i;
            var s = TV.Load(ref rs, o);
            TF.Of(((s - TV.Load(ref rd, o)) * ve + s) * vhalf).Store(ref rs, o);
        }
        if (i == n) return;
        for (int j = i; j < n; j++) Unsafe.Add(ref rs, j) = Half(Unsafe.Add(ref rs, j), Unsafe.Add(ref rd, j), eps);
        TanhLanes.Tail<TV, TF>(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref rs, i), n - i));
    }
}
