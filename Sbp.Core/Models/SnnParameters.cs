using Sbp.Core.Neurons;
using Sbp.Core.Numerics;
using Sbp.Core.Plasticity;

namespace Sbp.Core.Models;

/// <summary>
/// Everything that defines a spiking STDP network run (docs/SBP-SPEC.md §4). Defaults are the reference's (784-500-10,
/// batch 50, T = 10 ms at dt = 0.1 ms, 20 free iterations with ε = 0.5, 5 nudged with β = 0.5, α = [0.1, 0.05]).
/// </summary>
public sealed record SnnParameters
{
    /// <summary>The reference's spiking STDP network: every property at its default; change them with <c>with</c> or an initializer.</summary>
    public SnnParameters() { }

    /// <summary>Neurons per layer, input first (default 784-500-10); at least two layers.</summary>
    public int[] LayerSizes { get; init; } = [784, 500, 10];
    /// <summary>Samples per mini-batch (default 50).</summary>
    public int BatchSize { get; init; } = 50;
    /// <summary>Duration T of the feedforward LIF phase in ms (default 10 ms, i.e. 100 steps of dt = 0.1 ms).</summary>
    public float TimeWindowMs { get; init; } = 10f;
    /// <summary>The LIF neuron (time step, time constants, conductances, threshold).</summary>
    public LifParameters Lif { get; init; } = new();
    /// <summary>Iterations of the free phase, n_free (default 20; ≥ 1).</summary>
    public int FreeIterations { get; init; } = 20;
    /// <summary>Iterations of the nudged phase, n_nudge (default 5; ≥ 1).</summary>
    public int NudgeIterations { get; init; } = 5;
    /// <summary>Step size ε of the free and nudged iterations (default 0.5; > 0).</summary>
    public float Epsilon { get; init; } = 0.5f;
    /// <summary>Nudging strength β of the output towards the target (default 0.5; finite, non-zero).</summary>
    public float Beta { get; init; } = 0.5f;
    /// <summary>Learning rate of each weight layer (the bias of layer ℓ+1 uses the rate of weight layer ℓ).</summary>
    public float[] LearningRates { get; init; } = [0.1f, 0.05f];
    /// <summary>The base weight-change rule (default: symmetric STDP, the paper's baseline).</summary>
    public BaseRule Rule { get; init; } = BaseRule.Symmetric;

    /// <summary>A rule given as a value (a user's <see cref="IPlasticityRule"/>), used in place of <see cref="Rule"/>'s
    /// built-in computation when set; null: the built-in rule.</summary>
    public IPlasticityRule? CustomRule { get; init; }
    /// <summary>The SBP operator applied on top of the base rule, or null for none.</summary>
    public SbpParameters? Sbp { get; init; }
    /// <summary>The STDP window of <see cref="BaseRule.SpikeTiming"/> (ignored by the rate rules).</summary>
    public StdpWindow Window { get; init; } = new();
    /// <summary>False = the reference: V, g and the stored relaxed state h persist from batch to batch. True = reset each batch.</summary>
    public bool ResetStatePerBatch { get; init; }
    /// <summary>Lower bound of every weight, or null for none.</summary>
    public float? WeightMin { get; init; }
    /// <summary>Upper bound of every weight, or null for none.</summary>
    public float? WeightMax { get; init; }
    /// <summary>Dale's law: fraction of inhibitory neurons in every hidden layer (0 = no populations).</summary>
    public float InhibitoryFraction { get; init; }
    /// <summary>Tsodyks–Markram short-term plasticity of the input current, or null for none.</summary>
    public StpParameters? ShortTermPlasticity { get; init; }
    /// <summary>
    /// How σ = tanh(·/2) is computed: <see cref="TanhForm.Exact"/> (the default, the bits of every record so far) or
    /// <see cref="TanhForm.Fast"/> (single precision throughout, within 2⁻²² of it; less time per epoch, docs/speed.md).
    /// </summary>
    public TanhForm Sigma { get; init; } = TanhForm.Exact;
    /// <summary>Seed of the initial weights (default 100).</summary>
    public ulong Seed { get; init; } = 100;
    /// <summary>Check the invariants (weight bounds, Dale's-law signs, finite weights and biases) after every update.</summary>
    public bool CheckInvariants { get; init; }

    /// <summary>LIF steps of the feedforward phase: T/dt rounded.</summary>
    public int Steps => (int)MathF.Round(TimeWindowMs / Lif.DtMs);

    /// <summary>Every reason these parameters cannot run, empty when they can.</summary>
    public IEnumerable<string> Problems()
    {
        if (LayerSizes.Length < 2) yield return "a network needs at least an input and an output layer";
        foreach (var n in LayerSizes) if (n < 1) { yield return $"layer sizes must be positive (got [{string.Join(", ", LayerSizes)}])"; break; }
        if (BatchSize < 1) yield return $"batch size must be positive (got {BatchSize})";
        if (!(TimeWindowMs > 0)) yield return $"T must be positive (got {TimeWindowMs} ms)";
        foreach (var p in Lif.Problems()) yield return p;
        if (Steps < 1) yield return $"T ({TimeWindowMs} ms) holds no step of dt ({Lif.DtMs} ms)";
        if (FreeIterations < 1 || NudgeIterations < 1) yield return $"free and nudged iterations must be ≥ 1 (got {FreeIterations}, {NudgeIterations})";
        if (!(Epsilon > 0)) yield return $"ε must be positive (got {Epsilon})";
        if (!(Beta != 0) || !float.IsFinite(Beta)) yield return $"β must be a finite non-zero number (got {Beta})";
        if (LearningRates.Length != LayerSizes.Length - 1)
            yield return $"{LearningRates.Length} learning rates for {LayerSizes.Length - 1} weight layers";
        foreach (var a in LearningRates) if (!(a >= 0) || !float.IsFinite(a)) { yield return $"learning rates must be finite and ≥ 0 (got [{string.Join(", ", LearningRates)}])"; break; }
        if (Sbp is not null) foreach (var p in Sbp.Problems()) yield return p;
        if (Rule == BaseRule.SpikeTiming) foreach (var p in Window.Problems()) yield return p;
        if (WeightMin is float lo && WeightMax is float hi && !(lo < hi)) yield return $"weight bounds [{lo}, {hi}] are empty";
        if (!(InhibitoryFraction >= 0 && InhibitoryFraction < 1)) yield return $"inhibitory fraction must lie in [0, 1) (got {InhibitoryFraction})";
        if (!Enum.IsDefined(Sigma)) yield return $"σ's form must be Exact or Fast (got {(int)Sigma})";
    }

    /// <summary>Value equality: arrays (layer sizes, learning rates) compare element by element.</summary>
    public bool Equals(SnnParameters? other) => ParameterEquality.Equal(this, other);

    /// <summary>A hash consistent with the value equality (arrays hashed by content).</summary>
    public override int GetHashCode() => ParameterEquality.Hash(this);

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if any.</summary>
    public void Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid network configuration: " + string.Join("; ", problems));
    }
}
