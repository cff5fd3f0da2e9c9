using Sbp.Core.Plasticity;

using Sbp.Core.Learning;

namespace Sbp.Core.Models;

/// <summary>
/// Everything that defines an equilibrium-propagation run (docs/SBP-SPEC.md §5). Defaults are the reference SBP runs':
/// 784-500-10, batch 20, ε = 1, β = 0.2 with a random sign per batch, α = [0.1, 0.05], 10 free and 10 nudged steps (train_model.py's defaults).
/// </summary>
public sealed record EqPropParameters
{
    /// <summary>The reference's equilibrium-propagation network: every property at its default; change them with <c>with</c> or an initializer.</summary>
    public EqPropParameters() { }

    /// <summary>Neurons per layer, input first (default 784-500-10); at least two layers.</summary>
    public int[] LayerSizes { get; init; } = [784, 500, 10];
    /// <summary>Samples per mini-batch (default 20).</summary>
    public int BatchSize { get; init; } = 20;
    /// <summary>Relaxation step size ε of both phases (default 1; > 0).</summary>
    public float Epsilon { get; init; } = 1f;
    /// <summary>Nudging strength β₀ (default 0.2; > 0, its sign drawn per batch unless <see cref="RandomBetaSign"/> is false).</summary>
    public float Beta { get; init; } = 0.2f;
    /// <summary>The reference draws the sign of β at random for every batch; false keeps it positive.</summary>
    public bool RandomBetaSign { get; init; } = true;
    /// <summary>Learning rate α_k of each weight layer (default [0.1, 0.05]); the bias of layer k+1 uses α_k.</summary>
    public float[] LearningRates { get; init; } = [0.1f, 0.05f];
    /// <summary>Relaxation steps of the free phase, n_free (default 10, the reference script's command-line default;
    /// the 20 in its comments is not what it runs; ≥ 1).</summary>
    public int FreeIterations { get; init; } = 10;
    /// <summary>Relaxation steps of the nudged phase, n_nudge (default 10, as n_free; the 4 in its comments is not what
    /// it runs; ≥ 1).</summary>
    public int NudgeIterations { get; init; } = 10;
    /// <summary>The energy relaxed and learned with (default: the standard energy).</summary>
    public EnergyForm Energy { get; init; } = EnergyForm.Standard;
    /// <summary>θ_sbp of the authors' SBP energy.</summary>
    public float Theta { get; init; } = 0.5f;
    /// <summary>The SBP operator applied to the equilibrium-propagation weight change, or null.</summary>
    public SbpParameters? Sbp { get; init; }
    /// <summary>Lower bound of every weight, or null for none.</summary>
    public float? WeightMin { get; init; }
    /// <summary>Upper bound of every weight, or null for none.</summary>
    public float? WeightMax { get; init; }
    /// <summary>Check the weight bounds and finiteness after every update (slower; for tests and smoke runs).</summary>
    public bool CheckInvariants { get; init; }
    /// <summary>Seed of the initial weights and of the β signs (default 100).</summary>
    public ulong Seed { get; init; } = 100;

    /// <summary>Every reason these parameters cannot run, empty when they can.</summary>
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

    /// <summary>A hash consistent with the value equality (arrays hashed by content).</summary>
    public override int GetHashCode() => ParameterEquality.Hash(this);

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if any.</summary>
    public void Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid network configuration: " + string.Join("; ", problems));
    }
}
