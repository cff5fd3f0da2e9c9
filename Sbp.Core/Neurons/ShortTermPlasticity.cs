namespace Sbp.Core.Neurons;

/// <summary>Tsodyks–Markram short-term plasticity parameters (docs/SBP-SPEC.md §4 defaults). Times in ms.</summary>
/// <param name="U">Baseline release probability U (default 0.45; u rests there).</param>
/// <param name="TauFacilitationMs">Facilitation time constant τ_f in ms (default 10).</param>
/// <param name="TauDepressionMs">Depression (resource recovery) time constant τ_d in ms (default 2).</param>
/// <param name="DtMs">Euler time step in ms (default 0.1, the LIF step).</param>
public sealed record StpParameters(float U = 0.45f, float TauFacilitationMs = 10f, float TauDepressionMs = 2f, float DtMs = 0.1f);

/// <summary>
/// Tsodyks–Markram short-term plasticity of an input current, in rate form (the drive r = max(I, 0) plays the role
/// of the presynaptic rate), one Euler step per call:
///   u ← u + dt·((U − u)/τ_f + U(1 − u)·r)      (facilitation)
///   x ← x + dt·((1 − x)/τ_d − u·x·r)           (depression of the available resources)
///   I_out = I · u·x / U                         (equal to I at rest, u = U and x = 1)
/// State u, x is owned by the caller (start: u = U, x = 1) and updated in place.
/// </summary>
public static class ShortTermPlasticity
{
    /// <summary>Sets the state to rest: u = U, x = 1.</summary>
    public static void Reset(StpParameters p, Span<float> u, Span<float> x)
    {
        u.Fill(p.U);
        x.Fill(1f);
    }

    /// <summary>One Euler step: updates u and x from the drive and scales <paramref name="current"/> in place by u·x/U (all three spans of one length).</summary>
    public static void Step(StpParameters p, Span<float> current, Span<float> u, Span<float> x)
    {
        int n = current.Length;
        if (u.Length != n || x.Length != n) throw new ArgumentException("current, u and x must have the same length");
        float dt = p.DtMs, invU = 1f / p.U;
        for (int i = 0; i < n; i++)
        {
            float r = MathF.Max(current[i], 0f);
            float uu = u[i] + dt * ((p.U - u[i]) / p.TauFacilitationMs + p.U * (1f - u[i]) * r);
            float xx = x[i] + dt * ((1f - x[i]) / p.TauDepressionMs - u[i] * x[i] * r);
            uu = Math.Clamp(uu, 0f, 1f);
            xx = Math.Clamp(xx, 0f, 1f);
            u[i] = uu;
            x[i] = xx;
            current[i] *= uu * xx * invU;
        }
    }
}
