using System.Numerics.Tensors;
using Sbp.Core.Numerics;

namespace Sbp.Core.Plasticity;

/// <summary>
/// Symmetric STDP with weight decay (docs/SBP-SPEC.md §4, step 4):
///   ΔW = ΔW_sym − λ·W
/// the symmetric contrastive change (<see cref="ContrastiveRule.Symmetric"/>) pulled towards zero in proportion to the
/// weight, λ ≥ 0 (λ = 0 is symmetric STDP). SBP's spread and the bounded update follow as after any rule.
/// </summary>
public sealed class DecayingSymmetricRule : IPlasticityRule
{
    /// <summary>The decay rate λ.</summary>
    public float Lambda { get; }

    /// <summary>The rule with decay rate <paramref name="lambda"/>; throws <see cref="ArgumentOutOfRangeException"/> unless it is finite and ≥ 0.</summary>
    public DecayingSymmetricRule(float lambda)
    {
        if (!(lambda >= 0) || !float.IsFinite(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), $"the decay rate λ must be finite and ≥ 0 (got {lambda})");
        Lambda = lambda;
    }

    /// <inheritdoc />
    public long Propose(in LayerActivity activity, Matrix dw, float[] scratch, int threads)
    {
        long macs = ContrastiveRule.Symmetric.Propose(in activity, dw, scratch, threads);
        TensorPrimitives.MultiplyAdd(activity.Weights.Data, -Lambda, dw.Data, dw.Data);
        return macs + activity.Weights.Data.Length;
    }
}
