namespace Sbp.Core.Neurons;

/// <summary>
/// Conductance-based LIF parameters (docs/SBP-SPEC.md §4; the reference's dimensionless voltage units). Times in ms.
/// Defaults are the reference values. <see cref="InhibitoryReversal"/> is used only with Dale's law populations.
/// </summary>
/// <param name="ExcitatoryReversal">Reversal potential of the excitatory conductance, E_exc (default 0.2).</param>
/// <param name="LeakReversal">Reversal (rest) potential of the leak, E_leak (default 0).</param>
/// <param name="Threshold">Firing threshold V_th (default 0.05); above it the neuron spikes and resets.</param>
/// <param name="Reset">Potential V_reset after a spike (default −0.5; below the threshold).</param>
/// <param name="TauMemMs">Membrane time constant τ_m in ms (default 10; > dt).</param>
/// <param name="TauSynMs">Synaptic (conductance) time constant τ_syn in ms (default 2; > dt).</param>
/// <param name="LeakConductance">Leak conductance g_leak (default 5; > 0).</param>
/// <param name="DtMs">Euler time step dt in ms (default 0.1).</param>
/// <param name="InhibitoryReversal">Reversal potential of the inhibitory conductance (default 0.1), read only with Dale's-law populations.</param>
public sealed record LifParameters(
    float ExcitatoryReversal = 0.2f,
    float LeakReversal = 0f,
    float Threshold = 0.05f,
    float Reset = -0.5f,
    float TauMemMs = 10f,
    float TauSynMs = 2f,
    float LeakConductance = 5f,
    float DtMs = 0.1f,
    float InhibitoryReversal = 0.1f)
{
    /// <summary>Every reason these parameters cannot run, empty when they can.</summary>
    public IEnumerable<string> Problems()
    {
        if (!(DtMs > 0)) yield return $"dt must be positive (got {DtMs} ms)";
        if (!(TauMemMs > 0)) yield return $"τ_m must be positive (got {TauMemMs} ms)";
        if (!(TauSynMs > 0)) yield return $"τ_syn must be positive (got {TauSynMs} ms)";
        if (DtMs >= TauMemMs || DtMs >= TauSynMs)
            yield return $"dt ({DtMs} ms) must be smaller than τ_m ({TauMemMs} ms) and τ_syn ({TauSynMs} ms); the Euler step is unstable otherwise";
        if (!(LeakConductance > 0)) yield return $"g_leak must be positive (got {LeakConductance})";
        if (!(Reset < Threshold)) yield return $"V_reset ({Reset}) must lie below V_th ({Threshold})";
    }
}
