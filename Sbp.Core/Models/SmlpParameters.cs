using Sbp.Core.Learning;
using Sbp.Core.Plasticity;

namespace Sbp.Core.Models;

/// <summary>How a sample becomes the input spikes of each time step.</summary>
public enum InputEncoding
{
    /// <summary>Bernoulli rate code: each step, pixel i spikes with probability x_i (MNIST, Fashion-MNIST).</summary>
    Bernoulli,
    /// <summary>The same input every step (NETtalk's one-hot windows).</summary>
    Static,
    /// <summary>A frame sequence: step t reads frame ⌊t·F/T⌋ of the sample's F frames (DVS Gesture).</summary>
    Frames,
}

/// <summary>What the hidden layers learn from.</summary>
public enum HiddenGradient
{
    /// <summary>Backpropagation through time with the surrogate derivative.</summary>
    Backprop,
    /// <summary>The reference SBP gradient (docs/SBP-SPEC.md §6): s from the layer above's gradient, random feedback of the error, late-minus-early correlations.</summary>
    Sbp,
    /// <summary>The SBP operator in replace mode, synthesising the hidden change from the layer above's.</summary>
    SbpOperator,
    /// <summary>The control: the hidden gradient replaced by zero.</summary>
    Zero,
}

/// <summary>Where the replacement happens.</summary>
public enum ReplacementForm
{
    /// <summary>A fraction p of the batches, chosen from the seed, use the replacement for the whole batch.</summary>
    PerBatch,
    /// <summary>The reference: inside BPTT, every time step's hidden contribution is replaced (s from that step's output gradient), except every k-th step when <see cref="SmlpParameters.AlternateEvery"/> = k.</summary>
    PerStep,
}

/// <summary>The late-minus-early spike correlation H of the reference SBP gradient (docs/SBP-SPEC.md §6, §11).</summary>
public enum HebbForm
{
    /// <summary>
    /// The reference (hebb_last): entries E_t = x_{t−1}ᵀ·s_t / B² pair the previous step's input with the current
    /// spikes, H = E_last + E_second-last − E_first − E_second over the entries of the batch; in the per-step form the
    /// whole H joins every replaced step's contribution, as the reference's backward hook adds it.
    /// </summary>
    Reference,
    /// <summary>The clean form: H = Σ_{t ∈ {T−1, T−2}} x_tᵀs_t − Σ_{t ∈ {0, 1}} x_tᵀs_t (same step, no 1/B²); the per-step form takes only step t's term.</summary>
    SameStep,
}

/// <summary>Which gradient the SBP scale s of a hidden layer is computed from.</summary>
public enum ScaleSource
{
    /// <summary>The reference: the output layer's weight gradient, for every hidden layer (hidden layers must then be of one size).</summary>
    Output,
    /// <summary>The gradient of the weight layer directly above.</summary>
    LayerAbove,
}

/// <summary>The fixed random feedback R_k (n_{k+1} × n_out) of the reference SBP gradient.</summary>
public enum FeedbackInit
{
    /// <summary>The reference (torch's kaiming_uniform_ on an n_{k+1} × n_out tensor): U(−√(6/n_out), √(6/n_out)).</summary>
    KaimingUniform,
    /// <summary>U(−1, 1).</summary>
    Uniform,
}

/// <summary>How the energy term's gradient is taken.</summary>
public enum EnergyGradient
{
    /// <summary>The reference (W read as weight.data): only through the last step's spikes, by BPTT.</summary>
    SpikesOnly,
    /// <summary>The exact gradient of the loss: through the spikes and directly through W in S_kᵀW_kS_{k+1}.</summary>
    Full,
}

/// <summary>
/// Everything that defines a spiking-MLP run (docs/SBP-SPEC.md §6; defaults = the reference: 784-500-10, T = 20, batch 100,
/// leak 0.2, threshold 0.5, Adam lr 1e-3 with ×0.1 every 50 epochs, STBP rectangle surrogate).
/// </summary>
public sealed record SmlpParameters
{
    /// <summary>The reference's spiking MLP: every property at its default; change them with <c>with</c> or an initializer.</summary>
    public SmlpParameters() { }

    /// <summary>Neurons per layer, input first (default 784-500-10); for frame sequences the input is all frames together.</summary>
    public int[] LayerSizes { get; init; } = [784, 500, 10];
    /// <summary>Time steps T per sample (default 20; ≥ 1).</summary>
    public int Steps { get; init; } = 20;
    /// <summary>Samples per mini-batch (default 100).</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>Membrane leak factor per step (default 0.2; in [0, 1)).</summary>
    public float Decay { get; init; } = 0.2f;
    /// <summary>Firing threshold of the membrane (default 0.5).</summary>
    public float Threshold { get; init; } = 0.5f;
    /// <summary>I = sigmoid(xW + b) − offset.</summary>
    public float CurrentOffset { get; init; } = 0.1f;
    /// <summary>The spike function and its surrogate derivative (default: STBP's rectangle).</summary>
    public SpikeFunction Spike { get; init; } = SpikeFunction.Rectangular;
    /// <summary>How a sample becomes input spikes (default: Bernoulli rate code).</summary>
    public InputEncoding Encoding { get; init; } = InputEncoding.Bernoulli;
    /// <summary>Frames per sample for <see cref="InputEncoding.Frames"/>.</summary>
    public int Frames { get; init; } = 1;
    /// <summary>Adam's learning rate and moments (default lr 1e-3, PyTorch's β₁, β₂, ε).</summary>
    public AdamParameters Adam { get; init; } = new();
    /// <summary>The learning rate is multiplied by <see cref="DecayFactor"/> every this many epochs (default 50; ≥ 1).</summary>
    public int DecayEveryEpochs { get; init; } = 50;
    /// <summary>Factor of the step learning-rate decay (default 0.1).</summary>
    public float DecayFactor { get; init; } = 0.1f;
    /// <summary>What the hidden layers learn from (default: backpropagation through time).</summary>
    public HiddenGradient Rule { get; init; } = HiddenGradient.Backprop;
    /// <summary>Fraction p ∈ [0, 1] of batches (or steps) whose hidden gradient is replaced.</summary>
    public float ReplaceProportion { get; init; } = 1f;
    /// <summary>Whether whole batches or single time steps are replaced (default: per batch).</summary>
    public ReplacementForm Form { get; init; } = ReplacementForm.PerBatch;
    /// <summary>Per-step form: every k-th step uses backprop (0 = none).</summary>
    public int AlternateEvery { get; init; }
    /// <summary>The reference's quirks in SBP batches: no bias trains, the random-feedback input is the last step's, H pairs the previous batch's input at the first step.</summary>
    public bool ReferenceQuirks { get; init; }
    /// <summary>The reference's 0.01 scales of s and of H.</summary>
    public float SbpScale { get; init; } = 0.01f;
    /// <summary>The form of H in the SBP gradient (default: the reference's, one-step lag and 1/B²).</summary>
    public HebbForm Hebb { get; init; } = HebbForm.Reference;
    /// <summary>Where the SBP scale s comes from (default: the output layer's gradient, for every hidden layer).</summary>
    public ScaleSource ScaleFrom { get; init; } = ScaleSource.Output;
    /// <summary>The random feedback's distribution (default: Kaiming-uniform, the reference).</summary>
    public FeedbackInit Feedback { get; init; } = FeedbackInit.KaimingUniform;
    /// <summary>
    /// Weight λ of the reference's energy ("potential") term added to the loss, L = MSE + λ·Σ_k |P_k|
    /// (<see cref="SpikingMlpEnergy"/>); 0 = off (the default), 0.1 = the reference's <c>-energy</c>.
    /// </summary>
    public float EnergyWeight { get; init; }
    /// <summary>How the energy term is differentiated (default: the reference, through the spikes only).</summary>
    public EnergyGradient EnergyGradient { get; init; } = EnergyGradient.SpikesOnly;
    /// <summary>Parameters of the SBP operator for <see cref="HiddenGradient.SbpOperator"/> (default: the reference's, in replace mode).</summary>
    public SbpParameters Sbp { get; init; } = new(Mode: SbpMode.Replace);
    /// <summary>Carried for symmetry with the other models and recorded with a run; the spiking MLP has no weight bounds or Dale's-law signs to check, and its divergence check (finite, bounded weights and biases) runs after every update whatever this says.</summary>
    public bool CheckInvariants { get; init; }
    /// <summary>Seed of the initial weights, the feedback matrices, the input spikes and the replaced batches (default 100).</summary>
    public ulong Seed { get; init; } = 100;

    /// <summary>Number of weight layers (layers − 1).</summary>
    public int WeightLayers => LayerSizes.Length - 1;

    /// <summary>Every reason these parameters cannot run, empty when they can.</summary>
    public IEnumerable<string> Problems()
    {
        if (LayerSizes.Length < 2) yield return "a network needs at least an input and an output layer";
        foreach (var n in LayerSizes) if (n < 1) { yield return $"layer sizes must be positive (got [{string.Join(", ", LayerSizes)}])"; break; }
        if (Steps < 1) yield return $"T must be at least 1 step (got {Steps})";
        if (BatchSize < 1) yield return $"batch size must be positive (got {BatchSize})";
        if (!(Decay >= 0 && Decay < 1)) yield return $"the leak factor must lie in [0, 1) (got {Decay})";
        if (!float.IsFinite(Threshold)) yield return $"the threshold must be finite (got {Threshold})";
        if (!(Adam.LearningRate > 0) || !float.IsFinite(Adam.LearningRate)) yield return $"the learning rate must be positive (got {Adam.LearningRate})";
        if (DecayEveryEpochs < 1) yield return $"the learning-rate step must be ≥ 1 epoch (got {DecayEveryEpochs})";
        if (!(ReplaceProportion >= 0 && ReplaceProportion <= 1)) yield return $"the replacement proportion must lie in [0, 1] (got {ReplaceProportion})";
        if (AlternateEvery < 0) yield return $"alternate-every must be ≥ 0 (got {AlternateEvery})";
        if (Frames < 1) yield return $"frames must be ≥ 1 (got {Frames})";
        if (Encoding == InputEncoding.Frames && LayerSizes.Length > 0 && LayerSizes[0] % Frames != 0)
            yield return $"{LayerSizes[0]} inputs do not split into {Frames} frames";
        if (!(EnergyWeight >= 0) || !float.IsFinite(EnergyWeight)) yield return $"the energy weight must be finite and ≥ 0 (got {EnergyWeight})";
        if (Rule == HiddenGradient.Sbp && Hebb == HebbForm.Reference && Steps < 3)
            yield return $"the reference H (late minus early correlations, one-step lag) needs T ≥ 3 steps (got {Steps})";
        if (Rule == HiddenGradient.Sbp && ScaleFrom == ScaleSource.Output && LayerSizes.Length > 3
            && LayerSizes[1..^1].Distinct().Count() > 1)
            yield return $"s from the output layer's gradient needs hidden layers of one size (got [{string.Join(", ", LayerSizes[1..^1])}]); use the layer-above scale";
        foreach (var p in Sbp.Problems()) yield return p;
    }

    /// <summary>Inputs per step (a frame's size for frame sequences).</summary>
    public int StepInputs => Encoding == InputEncoding.Frames ? LayerSizes[0] / Frames : LayerSizes[0];

    /// <summary>Value equality: arrays (layer sizes, learning rates) compare element by element.</summary>
    public bool Equals(SmlpParameters? other) => ParameterEquality.Equal(this, other);

    /// <summary>A hash consistent with the value equality (arrays hashed by content).</summary>
    public override int GetHashCode() => ParameterEquality.Hash(this);

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if any.</summary>
    public void Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid network configuration: " + string.Join("; ", problems));
    }
}
