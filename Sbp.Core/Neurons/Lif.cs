using System.Numerics;

namespace Sbp.Core.Neurons;

/// <summary>
/// One Euler step of the conductance LIF neuron (docs/SBP-SPEC.md §4), for every element of a layer's batch:
///   g ← g + dt/τ_syn · (−g + g_leak + I)
///   V ← V + dt/τ_m · (−(V − V_leak) − (g/g_leak)(V − V_E))
///   V &gt; V_th ⇒ spike, V ← V_reset
/// With Dale's law populations an inhibitory conductance g_I (driven by I_I, reversal V_I) adds
/// −(g_I/g_leak)(V − V_I) to the voltage equation. State (g, V) is owned by the caller and updated in place.
/// </summary>
public static class Lif
{
    /// <summary>Steps every element; returns the number of spikes.</summary>
    public static int Step(LifParameters p, ReadOnlySpan<float> current, Span<float> g, Span<float> v)
    {
        int n = current.Length;
        if (g.Length != n || v.Length != n) throw new ArgumentException("current, g and V must have the same length");
        float ks = p.DtMs / p.TauSynMs, km = p.DtMs / p.TauMemMs, invGl = 1f / p.LeakConductance;
        int spikes = 0, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var vks = new Vector<float>(ks); var vkm = new Vector<float>(km); var vgl = new Vector<float>(p.LeakConductance);
            var vinv = new Vector<float>(invGl); var vl = new Vector<float>(p.LeakReversal); var ve = new Vector<float>(p.ExcitatoryReversal);
            var vth = new Vector<float>(p.Threshold); var vreset = new Vector<float>(p.Reset);
            var cI = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(current);
            var cg = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(g);
            var cv = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(v);
            for (int k = 0; k < cI.Length; k++)
            {
                var gg = cg[k] + vks * (vgl - cg[k] + cI[k]);
                var vv = cv[k] + vkm * (-(cv[k] - vl) - gg * vinv * (cv[k] - ve));
                var fired = Vector.GreaterThan(vv, vth);
                spikes -= Vector.Sum(fired);
                cg[k] = gg;
                cv[k] = Vector.ConditionalSelect(fired, vreset, vv);
            }
            i = cI.Length * Vector<float>.Count;
        }
        for (; i < n; i++)
        {
            float gg = g[i] + ks * (-g[i] + p.LeakConductance + current[i]);
            float vv = v[i] + km * (-(v[i] - p.LeakReversal) - gg * invGl * (v[i] - p.ExcitatoryReversal));
            g[i] = gg;
            if (vv > p.Threshold) { v[i] = p.Reset; spikes++; }
            else v[i] = vv;
        }
        return spikes;
    }

    /// <summary>The step with an inhibitory conductance as well (Dale's law populations).</summary>
    public static int StepWithInhibition(LifParameters p, ReadOnlySpan<float> excitatory, ReadOnlySpan<float> inhibitory,
        Span<float> g, Span<float> gInh, Span<float> v)
    {
        int n = excitatory.Length;
        if (inhibitory.Length != n || g.Length != n || gInh.Length != n || v.Length != n)
            throw new ArgumentException("currents, conductances and V must have the same length");
        float ks = p.DtMs / p.TauSynMs, km = p.DtMs / p.TauMemMs, invGl = 1f / p.LeakConductance;
        int spikes = 0;
        for (int i = 0; i < n; i++)
        {
            float gg = g[i] + ks * (-g[i] + p.LeakConductance + excitatory[i]);
            float gi = gInh[i] + ks * (-gInh[i] + inhibitory[i]);
            float vv = v[i] + km * (-(v[i] - p.LeakReversal) - gg * invGl * (v[i] - p.ExcitatoryReversal) - gi * invGl * (v[i] - p.InhibitoryReversal));
            g[i] = gg;
            gInh[i] = gi;
            if (vv > p.Threshold) { v[i] = p.Reset; spikes++; }
            else v[i] = vv;
        }
        return spikes;
    }
}
