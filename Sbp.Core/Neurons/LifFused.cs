using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Neurons;

/// <summary>
/// The feedforward step of the spiking STDP network in one pass over memory (docs/SBP-SPEC.md §4), per element:
///   g ← g + dt/τ_syn · (−g + g_leak + I)
///   V ← V + dt/τ_m · (−(V − V_leak) − (g/g_leak)(V − V_E));  V &gt; V_th ⇒ spike, V ← V_reset
///   s = (1−κ)·h + κ·V;  V ← s;  u ← s/2        (the caller then takes s_ℓ = tanh(u) = σ(s))
/// The same operations, in the same order and without fused multiply-adds, as <see cref="Lif.Step"/> followed by the
/// network's κ-mix and the halving inside <see cref="Numerics.Activations.BipolarSigmoid"/>, so the results are
/// bitwise those of the separate passes. Vector512 where accelerated, Vector256 otherwise, scalar tail.
/// </summary>
public static class LifFused
{
    /// <summary>Steps every element and mixes; returns the number of spikes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int StepMix(LifParameters p, ReadOnlySpan<float> current, Span<float> g, Span<float> v,
        ReadOnlySpan<float> h, float kappa, Span<float> half)
    {
        int n = current.Length;
        if (g.Length != n || v.Length != n || h.Length != n || half.Length != n)
            throw new ArgumentException("current, g, V, h and the output must have the same length");
        float ks = p.DtMs / p.TauSynMs, km = p.DtMs / p.TauMemMs, invGl = 1f / p.LeakConductance, keep = 1f - kappa;
        int spikes = 0, i = 0;
        ref float rc = ref MemoryMarshal.GetReference(current);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rv = ref MemoryMarshal.GetReference(v);
        ref float rh = ref MemoryMarshal.GetReference(h);
        ref float ru = ref MemoryMarshal.GetReference(half);
        if (Vector512.IsHardwareAccelerated)
        {
            var vks = Vector512.Create(ks); var vkm = Vector512.Create(km); var vgl = Vector512.Create(p.LeakConductance);
            var vinv = Vector512.Create(invGl); var vl = Vector512.Create(p.LeakReversal); var ve = Vector512.Create(p.ExcitatoryReversal);
            var vth = Vector512.Create(p.Threshold); var vreset = Vector512.Create(p.Reset);
            var vk = Vector512.Create(kappa); var vkeep = Vector512.Create(keep); var vhalf = Vector512.Create(0.5f);
            for (; i + 16 <= n; i += 16)
            {
                nuint o = (nuint)i;
                var g0 = Vector512.LoadUnsafe(ref rg, o); var v0 = Vector512.LoadUnsafe(ref rv, o);
                var gg = g0 + vks * (vgl - g0 + Vector512.LoadUnsafe(ref rc, o));
                var vv = v0 + vkm * (-(v0 - vl) - gg * vinv * (v0 - ve));
                var fired = Vector512.GreaterThan(vv, vth);
                spikes += System.Numerics.BitOperations.PopCount(fired.ExtractMostSignificantBits());
                gg.StoreUnsafe(ref rg, o);
                var vn = Vector512.ConditionalSelect(fired, vreset, vv);
                var s = Vector512.LoadUnsafe(ref rh, o) * vkeep + vn * vk;
                s.StoreUnsafe(ref rv, o);
                (s * vhalf).StoreUnsafe(ref ru, o);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vks = Vector256.Create(ks); var vkm = Vector256.Create(km); var vgl = Vector256.Create(p.LeakConductance);
            var vinv = Vector256.Create(invGl); var vl = Vector256.Create(p.LeakReversal); var ve = Vector256.Create(p.ExcitatoryReversal);
            var vth = Vector256.Create(p.Threshold); var vreset = Vector256.Create(p.Reset);
            var vk = Vector256.Create(kappa); var vkeep = Vector256.Create(keep); var vhalf = Vector256.Create(0.5f);
            for (; i + 8 <= n; i += 8)
            {
                nuint o = (nuint)i;
                var g0 = Vector256.LoadUnsafe(ref rg, o); var v0 = Vector256.LoadUnsafe(ref rv, o);
                var gg = g0 + vks * (vgl - g0 + Vector256.LoadUnsafe(ref rc, o));
                var vv = v0 + vkm * (-(v0 - vl) - gg * vinv * (v0 - ve));
                var fired = Vector256.GreaterThan(vv, vth);
                spikes += System.Numerics.BitOperations.PopCount(fired.ExtractMostSignificantBits());
                gg.StoreUnsafe(ref rg, o);
                var vn = Vector256.ConditionalSelect(fired, vreset, vv);
                var s = Vector256.LoadUnsafe(ref rh, o) * vkeep + vn * vk;
                s.StoreUnsafe(ref rv, o);
                (s * vhalf).StoreUnsafe(ref ru, o);
            }
        }
        for (; i < n; i++)
        {
            float g0 = Unsafe.Add(ref rg, i), v0 = Unsafe.Add(ref rv, i);
            float gg = g0 + ks * (-g0 + p.LeakConductance + Unsafe.Add(ref rc, i));
            float vv = v0 + km * (-(v0 - p.LeakReversal) - gg * invGl * (v0 - p.ExcitatoryReversal));
            Unsafe.Add(ref rg, i) = gg;
            if (vv > p.Threshold) { vv = p.Reset; spikes++; }
            float s = Unsafe.Add(ref rh, i) * keep + vv * kappa;
            Unsafe.Add(ref rv, i) = s;
            Unsafe.Add(ref ru, i) = s * 0.5f;
        }
        return spikes;
    }
}
