using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sbp.Core.Numerics;

namespace Sbp.Core.Neurons;

/// <summary>
/// The feedforward step of the spiking STDP network in one pass over memory (docs/SBP-SPEC.md §4), per element:
///   g ← g + dt/τ_syn · (−g + g_leak + I)
///   V ← V + dt/τ_m · (−(V − V_leak) − (g/g_leak)(V − V_E));  V &gt; V_th ⇒ spike, V ← V_reset
///   s = (1−κ)·h + κ·V;  V ← s;  out = σ(s) = tanh(s/2)
/// The same operations, in the same order and without fused multiply-adds, as <see cref="Lif.Step"/> followed by the
/// network's κ-mix and <see cref="Numerics.Activations.BipolarSigmoid"/>, so the results are bitwise those of the
/// separate passes: tanh is the per-lane formula of the form asked for (<see cref="TanhForm"/>: <see cref="Tanh"/> or
/// <see cref="FastTanh"/>), taken on the register that has just been stepped
/// (the last few elements on a register padded with zeros, the formula being per lane), so that s/2 never goes to
/// memory. One body for every register width (<see cref="ISimdFloat{TSelf}"/>): 512 bits where accelerated, 256
/// otherwise; fewer elements than a register, or no vector hardware, take the separate passes.
/// </summary>
public static class LifFused
{
    /// <summary>Steps every element, mixes and writes σ(s) to <paramref name="sigma"/>; returns the number of spikes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int StepMix(LifParameters p, ReadOnlySpan<float> current, Span<float> g, Span<float> v,
        ReadOnlySpan<float> h, float kappa, Span<float> sigma, TanhForm form = TanhForm.Exact) =>
        form == TanhForm.Fast
            ? StepMix<FastTanhLanes>(p, current, g, v, h, kappa, sigma)
            : StepMix<ExactTanhLanes>(p, current, g, v, h, kappa, sigma);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int StepMix<TF>(LifParameters p, ReadOnlySpan<float> current, Span<float> g, Span<float> v,
        ReadOnlySpan<float> h, float kappa, Span<float> sigma) where TF : struct, ITanhLanes
    {
        int n = current.Length;
        if (g.Length != n || v.Length != n || h.Length != n || sigma.Length != n)
            throw new ArgumentException("current, g, V, h and the output must have the same length");
        float ks = p.DtMs / p.TauSynMs, km = p.DtMs / p.TauMemMs, invGl = 1f / p.LeakConductance, keep = 1f - kappa;
        int spikes = 0, i = 0;
        ref float rc = ref MemoryMarshal.GetReference(current);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rv = ref MemoryMarshal.GetReference(v);
        ref float rh = ref MemoryMarshal.GetReference(h);
        ref float ru = ref MemoryMarshal.GetReference(sigma);
        if (F512.IsAccelerated && n >= F512.Count)
            return Vectors<F512, TF>(p, kappa, ks, km, invGl, keep, n, ref rc, ref rg, ref rv, ref rh, ref ru);
        if (F256.IsAccelerated && n >= F256.Count)
            return Vectors<F256, TF>(p, kappa, ks, km, invGl, keep, n, ref rc, ref rg, ref rv, ref rh, ref ru);
        for (; i < n; i++) spikes += Scalar(p, kappa, ks, km, invGl, keep, i, ref rc, ref rg, ref rv, ref rh, ref ru);
        TanhLanes.Compute<TF>(sigma, sigma);
        return spikes;
    }

    /// <summary>Element i, scalar, up to s/2 (written to the output).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Scalar(LifParameters p, float kappa, float ks, float km, float invGl, float keep, int i,
        ref float rc, ref float rg, ref float rv, ref float rh, ref float ru)
    {
        float g0 = Unsafe.Add(ref rg, i), v0 = Unsafe.Add(ref rv, i);
        float gg = g0 + ks * (-g0 + p.LeakConductance + Unsafe.Add(ref rc, i));
        float vv = v0 + km * (-(v0 - p.LeakReversal) - gg * invGl * (v0 - p.ExcitatoryReversal));
        Unsafe.Add(ref rg, i) = gg;
        int fired = 0;
        if (vv > p.Threshold) { vv = p.Reset; fired = 1; }
        float s = Unsafe.Add(ref rh, i) * keep + vv * kappa;
        Unsafe.Add(ref rv, i) = s;
        Unsafe.Add(ref ru, i) = s * 0.5f;
        return fired;
    }

    /// <summary>
    /// n ≥ TV.Count elements: every whole register stepped and σ taken in registers; the last n mod TV.Count elements
    /// scalar up to s/2, then σ on a register padded with zeros. Returns the number of spikes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Vectors<TV, TF>(LifParameters p, float kappa, float ks, float km, float invGl, float keep, int n,
        ref float rc, ref float rg, ref float rv, ref float rh, ref float ru) where TV : struct, ISimdFloat<TV> where TF : struct, ITanhLanes
    {
        var vks = TV.Splat(ks); var vkm = TV.Splat(km); var vgl = TV.Splat(p.LeakConductance);
        var vinv = TV.Splat(invGl); var vl = TV.Splat(p.LeakReversal); var ve = TV.Splat(p.ExcitatoryReversal);
        var vth = TV.Splat(p.Threshold); var vreset = TV.Splat(p.Reset);
        var vk = TV.Splat(kappa); var vkeep = TV.Splat(keep); var vhalf = TV.Splat(0.5f);
        int i = 0, w = TV.Count, spikes = 0;
        for (; i + w <= n; i += w)
        {
            nuint o = (nuint)i;
            var g0 = TV.Load(ref rg, o); var v0 = TV.Load(ref rv, o);
            var gg = g0 + vks * (vgl - g0 + TV.Load(ref rc, o));
            var vv = v0 + vkm * (-(v0 - vl) - gg * vinv * (v0 - ve));
            var fired = TV.GreaterThan(vv, vth);
            spikes += fired.SetLanes();
            gg.Store(ref rg, o);
            var vn = TV.Select(fired, vreset, vv);
            var s = TV.Load(ref rh, o) * vkeep + vn * vk;
            s.Store(ref rv, o);
            TF.Of(s * vhalf).Store(ref ru, o);
        }
        if (i == n) return spikes;
        int first = i;
        for (; i < n; i++) spikes += Scalar(p, kappa, ks, km, invGl, keep, i, ref rc, ref rg, ref rv, ref rh, ref ru);
        TanhLanes.Tail<TV, TF>(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref ru, first), n - first));
        return spikes;
    }
}
