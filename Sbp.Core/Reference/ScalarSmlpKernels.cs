using Sbp.Core.Learning;
using Sbp.Core.Numerics;

namespace Sbp.Core.Reference;

/// <summary>The spiking MLP's per-step passes as plain loops, the test oracle of <see cref="Sbp.Core.Models.SmlpKernels"/>.</summary>
internal static class ScalarSmlpKernels
{
    public static void LeakSpike(float[] a, float[]? mPrev, float[]? sPrev, float[] m, float[] s, float decay, float offset, float threshold)
    {
        for (int i = 0; i < a.Length; i++)
        {
            m[i] = mPrev is null ? a[i] - offset : decay * mPrev[i] * (1f - sPrev![i]) + a[i] - offset;
            s[i] = SurrogateGradient.Spike(SpikeFunction.Rectangular, m[i], threshold);
        }
    }

    public static void BackwardRectangular(float[] dS, float[] m, float[] s, float[] a, float[] dmNext, float[] dm, float[] dA, float decay, float threshold)
    {
        for (int i = 0; i < dS.Length; i++)
        {
            float ds = dS[i] - decay * m[i] * dmNext[i];
            float d = ds * SurrogateGradient.Derivative(SpikeFunction.Rectangular, m[i], threshold) + decay * (1f - s[i]) * dmNext[i];
            dm[i] = d;
            dA[i] = d * a[i] * (1f - a[i]);
        }
        dm.CopyTo(dmNext, 0);
    }

    /// <summary>The Bernoulli rate code of one sample as first written: a float draw per pixel with p &gt; 0.</summary>
    public static void Bernoulli(Rng rng, float[] p, float[] x)
    {
        for (int j = 0; j < p.Length; j++) x[j] = p[j] > 0 && rng.NextSingle() < p[j] ? 1f : 0f;
    }
}
