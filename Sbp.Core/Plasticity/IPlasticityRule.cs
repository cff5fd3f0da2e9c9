using Sbp.Core.Numerics;

namespace Sbp.Core.Plasticity;

/// <summary>
/// What a plasticity rule of the spiking STDP network observes of one weight layer once both phases of a batch have
/// settled (docs/SBP-SPEC.md §4, steps 2–4): the presynaptic and postsynaptic layers' free states s and nudged states s⁺
/// (B rows, one per sample; only the first <see cref="Batch"/> rows are live), the nudging strength β, and the weight
/// layer's index ℓ (0: input → first hidden) and current weights W (n_pre x n_post, read only).
/// </summary>
/// <param name="Layer">The weight layer ℓ (0-based, input side first).</param>
/// <param name="PreFree">s_pre, the presynaptic free state (B x n_pre).</param>
/// <param name="PreNudged">s⁺_pre, the presynaptic nudged state (B x n_pre).</param>
/// <param name="PostFree">s_post, the postsynaptic free state (B x n_post).</param>
/// <param name="PostNudged">s⁺_post, the postsynaptic nudged state (B x n_post).</param>
/// <param name="Weights">W_ℓ before this batch's update (n_pre x n_post); a rule must not change it.</param>
/// <param name="Batch">B, the live rows of the states.</param>
/// <param name="Beta">β, the nudging strength.</param>
public readonly record struct LayerActivity(
    int Layer, Matrix PreFree, Matrix PreNudged, Matrix PostFree, Matrix PostNudged, Matrix Weights, int Batch, float Beta);

/// <summary>
/// A plasticity rule as a value: from what it observes of a weight layer after a batch's two phases, the weight change
/// ΔW it proposes. The network then applies the fixed steps that follow every rule: the SBP spread (when configured)
/// and the bounded update W += α_ℓ·ΔW' (<see cref="WeightUpdate"/>, the one place where weight bounds and Dale's law
/// are enforced). The built-in rate rules implement it (<see cref="ContrastiveRule"/>); a user's rule — in a script,
/// without rebuilding the library — implements it the same way.
/// </summary>
public interface IPlasticityRule
{
    /// <summary>Writes the proposed ΔW of one weight layer (n_pre x n_post) into <paramref name="dw"/>, overwriting it;
    /// <paramref name="scratch"/> holds at least B x max(n_pre, n_post) values the rule may use; <paramref name="threads"/>
    /// caps the threads of its products (0: all cores). Returns the multiply-accumulates it performed (the run's counted
    /// cost).</summary>
    long Propose(in LayerActivity activity, Matrix dw, float[] scratch, int threads);
}

/// <summary>The built-in contrastive rate rules (<see cref="ContrastiveStdp"/>) as values.</summary>
public sealed class ContrastiveRule : IPlasticityRule
{
    /// <summary>The rule computed.</summary>
    public BaseRule Rule { get; }

    private ContrastiveRule(BaseRule rule) => Rule = rule;

    /// <summary>Symmetric STDP, the paper's baseline.</summary>
    public static readonly ContrastiveRule Symmetric = new(BaseRule.Symmetric);
    /// <summary>Differential STDP.</summary>
    public static readonly ContrastiveRule Differential = new(BaseRule.Differential);
    /// <summary>The SBP base rule.</summary>
    public static readonly ContrastiveRule SbpBase = new(BaseRule.SbpBase);

    /// <summary>The value of a contrastive rate rule; throws for <see cref="BaseRule.SpikeTiming"/>, which observes spikes
    /// through the phases (<see cref="TraceStdp"/>) rather than the settled states.</summary>
    public static ContrastiveRule Of(BaseRule rule) => rule switch
    {
        BaseRule.Symmetric => Symmetric,
        BaseRule.Differential => Differential,
        BaseRule.SbpBase => SbpBase,
        _ => throw new ArgumentException($"{rule} is not a contrastive rate rule"),
    };

    /// <inheritdoc />
    public long Propose(in LayerActivity a, Matrix dw, float[] scratch, int threads) =>
        ContrastiveStdp.Compute(Rule, a.PreFree, a.PreNudged, a.PostFree, a.PostNudged, a.Batch, a.Beta, dw, scratch, threads);

    /// <summary>The rule's name.</summary>
    public override string ToString() => Rule.ToString();
}
