using System.Numerics.Tensors;
using Sbp.Core.Numerics;

namespace Sbp.Core.Learning;

/// <summary>Which energy the network relaxes and learns with.</summary>
public enum EnergyForm
{
    /// <summary>E = ½Σ|ρ(s_ℓ)|² − Σ b_ℓ·ρ(s_ℓ) − Σ ρ(s_ℓ)W_ℓρ(s_{ℓ+1}) (Scellier &amp; Bengio 2017).</summary>
    Standard,
    /// <summary>The authors' SBP energy E_sbp with θ (docs/SBP-SPEC.md §5), exactly as written there.</summary>
    SbpAuthors,
}

/// <summary>
/// A layered energy written through three sets of coefficients, so that the standard energy and the authors' SBP
/// energy (docs/SBP-SPEC.md §5) share one relaxation and one learning rule. With ρ(s) = clip(s, 0, 1), per sample:
///   E(s) = Σ_j q_j·|ρ(s_j)|² + Σ_k c_k·ρ(s_k)W_kρ(s_{k+1}) + Σ_j m_j·b_j·ρ(s_j)
///   ∂E/∂s_j = ρ'(s_j)∘(2q_j·ρ(s_j) + m_j·b_j + c_{j−1}·ρ(s_{j−1})W_{j−1} + c_j·ρ(s_{j+1})W_jᵀ)
///   ∂E/∂W_k = c_k·ρ(s_k)ᵀρ(s_{k+1}),  ∂E/∂b_j = m_j·ρ(s_j)
/// with ρ' = 1 on [0, 1] (states stay in the box). Standard: q = ½, c = −1, m = −1 (no input bias). Authors' SBP
/// energy, layers 0..L−1: E_sbp = Σ_{i=0}^{L−3} [ρ_iW_iρ_{i+1} + |ρ_i|² + θ(ρ_{i+1}W_{i+1}ρ_{i+2} + |ρ_{i+1}|²)]
///   + Σ_{i=0}^{L−2} ρ_i·b_i + Σ_{i=0}^{L−2} ρ_{i+1}·b_{i+1}, i.e. q_i = [i ≤ L−3] + θ[1 ≤ i ≤ L−2],
///   c_k = [k ≤ L−3] + θ[1 ≤ k ≤ L−2], m_j = [j ≤ L−2] + [j ≥ 1] (the positive signs and the doubled hidden biases
///   as written; the input layer's terms are constant because the input is clamped).
/// </summary>
public sealed class EnergyFunction
{
    /// <summary>q_j per layer: the weight of |ρ(s_j)|².</summary>
    public float[] Quadratic { get; }
    /// <summary>c_k per weight layer: the weight of ρ(s_k)W_kρ(s_{k+1}).</summary>
    public float[] Coupling { get; }
    /// <summary>m_j per layer: the weight of b_j·ρ(s_j).</summary>
    public float[] Bias { get; }

    private EnergyFunction(float[] q, float[] c, float[] m) { Quadratic = q; Coupling = c; Bias = m; }

    /// <summary>The coefficients of <paramref name="form"/> for a network of <paramref name="layers"/> layers; <paramref name="theta"/> is θ_sbp (read only by the authors' SBP energy).</summary>
    public static EnergyFunction Create(EnergyForm form, int layers, float theta)
    {
        var q = new float[layers];
        var c = new float[layers - 1];
        var m = new float[layers];
        if (form == EnergyForm.Standard)
        {
            Array.Fill(q, 0.5f);
            Array.Fill(c, -1f);
            for (int j = 1; j < layers; j++) m[j] = -1f;
        }
        else
        {
            int L = layers;
            for (int i = 0; i < L; i++) q[i] = (i <= L - 3 ? 1f : 0f) + (i >= 1 && i <= L - 2 ? theta : 0f);
            for (int k = 0; k < L - 1; k++) c[k] = (k <= L - 3 ? 1f : 0f) + (k >= 1 && k <= L - 2 ? theta : 0f);
            for (int j = 0; j < L; j++) m[j] = (j <= L - 2 ? 1f : 0f) + (j >= 1 ? 1f : 0f);
        }
        return new EnergyFunction(q, c, m);
    }

    /// <summary>
    /// E summed over the first <paramref name="batch"/> rows of the states (states already in [0, 1]);
    /// <paramref name="threads"/> caps the products' threads (0: all cores).
    /// </summary>
    public double Value(IReadOnlyList<Matrix> states, IReadOnlyList<Matrix> weights, IReadOnlyList<float[]> biases, int batch, float[] scratch, int threads = 0)
    {
        double e = 0;
        int layers = states.Count;
        for (int j = 0; j < layers; j++)
        {
            var s = states[j].Data.AsSpan(0, batch * states[j].Cols);
            e += Quadratic[j] * (double)TensorPrimitives.Dot(s, s);
            if (Bias[j] != 0 && biases[j].Length > 0)
                for (int r = 0; r < batch; r++) e += Bias[j] * (double)TensorPrimitives.Dot(states[j].Row(r), biases[j]);
        }
        for (int k = 0; k < layers - 1; k++)
        {
            int np = states[k].Cols, nq = states[k + 1].Cols;
            Gemm.Multiply(Transpose.No, Transpose.No, batch, nq, np, 1f, states[k].Data, 0, np, weights[k].Data, 0, nq, 0f, scratch, 0, nq, threads);
            e += Coupling[k] * (double)TensorPrimitives.Dot(scratch.AsSpan(0, batch * nq), states[k + 1].Data.AsSpan(0, batch * nq));
        }
        return e;
    }
}
