using Sbp.Core.Neurons;

namespace Sbp.Core.Reference;

/// <summary>The LIF step written as plainly as possible (double arithmetic), the test oracle of <see cref="Lif.Step"/>.</summary>
internal static class ScalarLif
{
    public static int Step(LifParameters p, float[] current, float[] g, float[] v)
    {
        int spikes = 0;
        for (int i = 0; i < current.Length; i++)
        {
            double gg = g[i] + p.DtMs / (double)p.TauSynMs * (-g[i] + p.LeakConductance + current[i]);
            double vv = v[i] + p.DtMs / (double)p.TauMemMs * (-(v[i] - p.LeakReversal) - gg / p.LeakConductance * (v[i] - p.ExcitatoryReversal));
            g[i] = (float)gg;
            if (vv > p.Threshold) { v[i] = p.Reset; spikes++; }
            else v[i] = (float)vv;
        }
        return spikes;
    }
}
