using System.Numerics.Tensors;
using Sbp.Core.Numerics;

namespace Sbp.Core.Models;

/// <summary>
/// The energy ("potential") term the reference adds to the spiking MLP's loss with <c>-energy</c> (docs/SBP-SPEC.md §6, §11),
/// read from the spikes of the last time step T−1. With s_ℓ the B × n_ℓ spikes of layer ℓ at T−1 (s_0 the input) and
/// S_ℓ = Σ_b s_ℓ[b, ·] their column sums, for every weight layer k (W_k: n_k × n_{k+1}):
///   P_k = mean_{b,c}(s_{k+1}·W_kᵀ·s_kᵀ)[b,c] / (n_k·n_{k+1}) + mean_{b,c}(s_{k+1}·s_{k+1}ᵀ)[b,c] / n_{k+1}²
///       = S_kᵀ·W_k·S_{k+1} / (B²·n_k·n_{k+1}) + |S_{k+1}|² / (B²·n_{k+1}²),        E = Σ_k |P_k|.
/// Gradient with respect to every sample's spikes of layer ℓ ≥ 1 (the same for every row b; sign(0) = 0):
///   ∂E/∂s_ℓ[b, j] = sign(P_{ℓ−1})·((W_{ℓ−1}ᵀS_{ℓ−1})_j / (B²·n_{ℓ−1}·n_ℓ) + 2·S_ℓ[j] / (B²·n_ℓ²))
///                 + [ℓ &lt; L] sign(P_ℓ)·(W_ℓ·S_{ℓ+1})_j / (B²·n_ℓ·n_{ℓ+1})
/// and, only in the full gradient (the reference reads W as weight.data, so no gradient flows into it directly):
///   ∂E/∂W_k = sign(P_k)·S_k ⊗ S_{k+1} / (B²·n_k·n_{k+1}).
/// </summary>
public sealed class SpikingMlpEnergy
{
    private readonly int[] _n;
    private readonly float[][] _sum;      // S_ℓ
    private readonly float[][] _up;       // W_{ℓ−1}ᵀS_{ℓ−1} (length n_ℓ), ℓ ≥ 1
    private readonly float[][] _down;     // W_ℓ·S_{ℓ+1} (length n_ℓ), 1 ≤ ℓ < L
    private readonly float[][] _spikeGrad; // ∂E/∂s_ℓ[b, ·]
    private readonly float[] _p;          // P_k
    private int _batch;

    /// <summary>Buffers for a network of the given layer sizes (allocated once; nothing per batch).</summary>
    /// <param name="layerSizes">n_0 … n_L (n_0 the inputs of one step).</param>
    public SpikingMlpEnergy(int[] layerSizes)
    {
        _n = (int[])layerSizes.Clone();
        _sum = _n.Select(n => new float[n]).ToArray();
        _up = _n.Select(n => new float[n]).ToArray();
        _down = _n.Select(n => new float[n]).ToArray();
        _spikeGrad = _n.Select(n => new float[n]).ToArray();
        _p = new float[_n.Length - 1];
    }

    /// <summary>E = Σ_k |P_k| of the last evaluation.</summary>
    public float Value { get; private set; }
    /// <summary>P_k of the last evaluation.</summary>
    public ReadOnlySpan<float> Terms => _p;

    /// <summary>
    /// Evaluates E from the last step's spikes (<paramref name="lastStep"/>[ℓ]: B × n_ℓ, rows 0..batch−1 live) and
    /// prepares its spike gradients. Returns the operations spent.
    /// </summary>
    public long Evaluate(Matrix[] lastStep, Matrix[] weights, int batch)
    {
        _batch = batch;
        float b2 = (float)batch * batch;
        long ops = 0;
        for (int l = 0; l < _n.Length; l++)
        {
            Array.Clear(_sum[l]);
            Activations.ColumnSumAdd(lastStep[l].Data.AsSpan(0, batch * _n[l]), batch, _sum[l]);
            ops += (long)batch * _n[l];
        }
        float value = 0;
        for (int k = 0; k < _p.Length; k++)
        {
            int nin = _n[k], nout = _n[k + 1];
            var w = weights[k];
            // up = W_kᵀS_k over the presynaptic neurons that spiked at all
            var up = _up[k + 1].AsSpan();
            up.Clear();
            for (int i = 0; i < nin; i++)
            {
                float si = _sum[k][i];
                if (si != 0) { TensorPrimitives.MultiplyAdd(w.Row(i), si, up, up); ops += nout; }
            }
            if (k > 0)
                for (int i = 0; i < nin; i++) _down[k][i] = TensorPrimitives.Dot(w.Row(i), _sum[k + 1]);
            if (k > 0) ops += (long)nin * nout;
            var sOut = _sum[k + 1];
            float p = TensorPrimitives.Dot(up, sOut) / (b2 * nin * nout) + TensorPrimitives.Dot(sOut, sOut) / (b2 * nout * nout);
            _p[k] = p;
            value += MathF.Abs(p);
            ops += 2L * nout;
        }
        Value = value;
        for (int l = 1; l < _n.Length; l++)
        {
            var g = _spikeGrad[l].AsSpan();
            int nl = _n[l], nBelow = _n[l - 1];
            float below = MathF.Sign(_p[l - 1]);
            float cUp = below / (b2 * nBelow * nl), cSelf = 2f * below / (b2 * nl * nl);
            for (int j = 0; j < nl; j++) g[j] = cUp * _up[l][j] + cSelf * _sum[l][j];
            if (l < _n.Length - 1)
            {
                float cDown = MathF.Sign(_p[l]) / (b2 * nl * _n[l + 1]);
                TensorPrimitives.MultiplyAdd(_down[l], cDown, g, g);
            }
            ops += 3L * nl;
        }
        return ops;
    }

    /// <summary>Adds weight·∂E/∂s_ℓ to every live row of <paramref name="dSpikes"/> (batch × n_ℓ), ℓ ≥ 1.</summary>
    public long AddSpikeGradient(int layer, Span<float> dSpikes, float weight)
    {
        int n = _n[layer];
        var g = _spikeGrad[layer];
        for (int b = 0; b < _batch; b++)
        {
            var row = dSpikes.Slice(b * n, n);
            TensorPrimitives.MultiplyAdd(g, weight, row, row);
        }
        return (long)_batch * n;
    }

    /// <summary>Adds weight·∂E/∂W_k, the direct term through W (the full gradient only), to <paramref name="gradient"/>.</summary>
    public long AddWeightGradient(int k, Matrix gradient, float weight)
    {
        int nin = _n[k], nout = _n[k + 1];
        float c = weight * MathF.Sign(_p[k]) / ((float)_batch * _batch * nin * nout);
        if (c == 0) return 0;
        for (int i = 0; i < nin; i++)
        {
            float si = _sum[k][i];
            if (si != 0)
            {
                var row = gradient.Row(i);
                TensorPrimitives.MultiplyAdd(_sum[k + 1], c * si, row, row);
            }
        }
        return (long)nin * nout;
    }
}
