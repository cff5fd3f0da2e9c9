using Sbp.Core.Plasticity;

namespace Sbp.Core.Models;

/// <summary>Which energy the network relaxes and learns with.</summary>
public enum EnergyForm
{
    /// <summary>E = ½Σ|ρ(s_ℓ)|² − Σ b_ℓ·ρ(s_ℓ) − Σ ρ(s_ℓ)W_ℓρ(s_{ℓ+1}) (Scellier &amp; Bengio 2017).</summary>
    Standard,
    /// <summary>The authors' SBP energy E_sbp with θ (SBP-SPEC §5), exactly as written there.</summary>
    SbpAuthors,
}

/// <summary>
/// Everything that defines an equilibrium-propagation run (SBP-SPEC §5). Defaults are the reference SBP runs':
/// 784-500-10, batch 20, ε = 1, β = 0.2 with a random sign per batch, α = [0.1, 0.05], 20 free and 4 nudged steps.
/// </summary>
public sealed record EqPropParameters
{
    public int[] LayerSizes { get; init; } = [784, 500, 10];
    public int BatchSize { get; init; } = 20;
    public float Epsilon { get; init; } = 1f;
    public float Beta { get; init; } = 0.2f;
    /// <summary>The reference draws the sign of β at random for every batch; false keeps it positive.</summary>
    public bool RandomBetaSign { get; init; } = true;
    public float[] LearningRates { get; init; } = [0.1f, 0.05f];
    public int FreeIterations { get; init; } = 20;
    public int NudgeIterations { get; init; } = 4;
    public EnergyForm Energy { get; init; } = EnergyForm.Standard;
    /// <summary>θ_sbp of the authors' SBP energy.</summary>
    public float Theta { get; init; } = 0.5f;
    /// <summary>The SBP operator applied to the equilibrium-propagation weight change, or null.</summary>
    public SbpParameters? Sbp { get; init; }
    public float? WeightMin { get; init; }
    public float? WeightMax { get; init; }
    public bool CheckInvariants { get; init; }
    public ulong Seed { get; init; } = 100;

    public IEnumerable<string> Problems()
    {
        if (LayerSizes.Length < 2) yield return "a network needs at least an input and an output layer";
        foreach (var n in LayerSizes) if (n < 1) { yield return $"layer sizes must be positive (got [{string.Join(", ", LayerSizes)}])"; break; }
        if (BatchSize < 1) yield return $"batch size must be positive (got {BatchSize})";
        if (!(Epsilon > 0) || !float.IsFinite(Epsilon)) yield return $"ε must be positive (got {Epsilon})";
        if (!(Beta > 0) || !float.IsFinite(Beta)) yield return $"β must be a positive number (got {Beta}); its sign is drawn per batch";
        if (FreeIterations < 1 || NudgeIterations < 1) yield return $"free and nudged iterations must be ≥ 1 (got {FreeIterations}, {NudgeIterations})";
        if (LearningRates.Length != LayerSizes.Length - 1) yield return $"{LearningRates.Length} learning rates for {LayerSizes.Length - 1} weight layers";
        foreach (var a in LearningRates) if (!(a >= 0) || !float.IsFinite(a)) { yield return $"learning rates must be finite and ≥ 0 (got [{string.Join(", ", LearningRates)}])"; break; }
        if (Energy == EnergyForm.SbpAuthors && LayerSizes.Length < 3) yield return "the authors' SBP energy needs at least one hidden layer";
        if (!float.IsFinite(Theta)) yield return $"θ must be finite (got {Theta})";
        if (Sbp is not null) foreach (var p in Sbp.Problems()) yield return p;
        if (WeightMin is float lo && WeightMax is float hi && !(lo < hi)) yield return $"weight bounds [{lo}, {hi}] are empty";
    }

    /// <summary>Value equality: arrays (layer sizes, learning rates) compare element by element.</summary>
    public bool Equals(EqPropParameters? other) => ParameterEquality.Equal(this, other);

    public override int GetHashCode() => ParameterEquality.Hash(this);

    public void Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid network configuration: " + string.Join("; ", problems));
    }
}
