using Sbp.Core.Numerics;

namespace Sbp.Core.Plasticity;

/// <summary>The base (local) weight-change rule of the spiking STDP network.</summary>
public enum BaseRule
{
    /// <summary>ΔW = (s⁺_preᵀ s⁺_post − s_preᵀ s_post)/(βB): the paper's baseline.</summary>
    Symmetric,
    /// <summary>ΔW = (s⁺_pre − s_pre)ᵀ s_post/(βB).</summary>
    Differential,
    /// <summary>ΔW = s_preᵀ (s⁺_post − s_post)/(βB): the base of the reference SBP runs.</summary>
    SbpBase,
    /// <summary>Pair-based spike-timing STDP with exponential traces, nudged phase minus free phase (<see cref="TraceStdp"/>).</summary>
    SpikeTiming,
}

/// <summary>
/// Contrastive rate STDP (docs/SBP-SPEC.md §4, step 4): a weight change from the free states s and nudged states s⁺ of the
/// pre- and postsynaptic layers of a batch of B samples (rows), for a weight matrix n_pre x n_post:
///   symmetric:    ΔW = (s⁺_preᵀ s⁺_post − s_preᵀ s_post)/(βB)
///   differential: ΔW = (s⁺_pre − s_pre)ᵀ s_post/(βB)
///   SBP base:     ΔW = s_preᵀ (s⁺_post − s_post)/(βB)
/// <c>scratch</c> holds B x max(n_pre, n_post) values; <c>threads</c> caps the products' threads (0: all cores).
/// Returns the multiply-accumulates performed.
/// </summary>
public static class ContrastiveStdp
{
    /// <summary>Writes ΔW of <paramref name="rule"/> for the first <paramref name="batch"/> rows of the states into <paramref name="dw"/> (n_pre x n_post); returns the multiply-accumulates performed. <see cref="BaseRule.SpikeTiming"/> is computed by <see cref="TraceStdp"/> instead.</summary>
    public static long Compute(BaseRule rule, Matrix preFree, Matrix preNudged, Matrix postFree, Matrix postNudged,
        int batch, float beta, Matrix dw, float[] scratch, int threads = 0)
    {
        int np = preFree.Cols, nq = postFree.Cols;
        if (dw.Rows != np || dw.Cols != nq) throw new ArgumentException($"ΔW is {dw.Rows}x{dw.Cols}, the layers are {np}x{nq}");
        if (batch < 1 || batch > preFree.Rows || batch > postFree.Rows) throw new ArgumentException($"batch {batch} outside the state rows");
        float scale = 1f / (beta * batch);
        long macs = (long)np * nq * batch;
        switch (rule)
        {
            case BaseRule.Symmetric:
                Gemm.Multiply(Transpose.Yes, Transpose.No, np, nq, batch, scale, preNudged.Data, 0, np, postNudged.Data, 0, nq, 0f, dw.Data, 0, nq, threads);
                Gemm.Multiply(Transpose.Yes, Transpose.No, np, nq, batch, -scale, preFree.Data, 0, np, postFree.Data, 0, nq, 1f, dw.Data, 0, nq, threads);
                return 2 * macs;
            case BaseRule.Differential:
                System.Numerics.Tensors.TensorPrimitives.Subtract(preNudged.Data.AsSpan(0, batch * np), preFree.Data.AsSpan(0, batch * np), scratch.AsSpan(0, batch * np));
                Gemm.Multiply(Transpose.Yes, Transpose.No, np, nq, batch, scale, scratch, 0, np, postFree.Data, 0, nq, 0f, dw.Data, 0, nq, threads);
                return macs;
            case BaseRule.SbpBase:
                System.Numerics.Tensors.TensorPrimitives.Subtract(postNudged.Data.AsSpan(0, batch * nq), postFree.Data.AsSpan(0, batch * nq), scratch.AsSpan(0, batch * nq));
                Gemm.Multiply(Transpose.Yes, Transpose.No, np, nq, batch, scale, preFree.Data, 0, np, scratch, 0, nq, 0f, dw.Data, 0, nq, threads);
                return macs;
            default:
                throw new ArgumentException($"{rule} is not a contrastive rate rule");
        }
    }
}
