using Sbp.Core.Numerics;

namespace Sbp.Core.Plasticity;

/// <summary>An STDP window: amplitudes and time constants of the pre- and postsynaptic traces (times in ms).</summary>
/// <param name="APlus">Amplitude A₊ of potentiation (presynaptic trace × postsynaptic spike); ≥ 0.</param>
/// <param name="AMinus">Amplitude A₋ of depression (presynaptic spike × postsynaptic trace); ≥ 0.</param>
/// <param name="TauPlusMs">Time constant τ₊ of the presynaptic trace in ms; &gt; 0.</param>
/// <param name="TauMinusMs">Time constant τ₋ of the postsynaptic trace in ms; &gt; 0.</param>
/// <param name="StepMs">Time represented by one free/nudged iteration.</param>
/// <param name="Threshold">A neuron "spikes" in an iteration when its state exceeds this value.</param>
public sealed record StdpWindow(float APlus = 1f, float AMinus = 1f, float TauPlusMs = 20f, float TauMinusMs = 20f,
    float StepMs = 1f, float Threshold = 0.05f)
{
    /// <summary>Every reason this window cannot run, empty when it can.</summary>
    public IEnumerable<string> Problems()
    {
        if (!(TauPlusMs > 0) || !(TauMinusMs > 0)) yield return $"STDP time constants must be positive (τ₊ {TauPlusMs}, τ₋ {TauMinusMs})";
        if (!(StepMs > 0)) yield return $"the STDP iteration step must be positive (got {StepMs} ms)";
        if (!(APlus >= 0) || !(AMinus >= 0)) yield return $"STDP amplitudes must be non-negative (A₊ {APlus}, A₋ {AMinus})";
    }
}

/// <summary>
/// Pair-based spike-timing STDP with exponential traces, contrasted between the nudged and the free phase.
/// Each iteration, per layer: spike = [s &gt; θ]; with d± = e^{−Δt/τ±}, x ← d₊·x + (1 − d₊)·spike (presynaptic trace)
/// and y ← d₋·y + (1 − d₋)·spike (postsynaptic trace), normalised so that steady firing drives a trace to 1 and the
/// amplitudes compare with the rate rules' scale; per weight layer
///   A_phase += A₊·x_preᵀ·spike_post − A₋·spike_preᵀ·y_post.
/// At the end ΔW = (A_nudged/n_nudged − A_free/n_free)/(βB): the change the nudge caused, per iteration. The traces
/// run on from the free into the nudged phase, so a neuron that starts firing under the nudge is potentiated by
/// its inputs' traces and one that stops firing leaves a trace that its inputs' spikes depress.
/// </summary>
public sealed class TraceStdp
{
    private readonly int[] _sizes;
    private readonly Matrix[] _spikes, _pre, _post, _accFree, _accNudged;
    private int _iterFree, _iterNudged;

    /// <summary>The window the traces and amplitudes use.</summary>
    public StdpWindow Window { get; }

    /// <summary>Traces and accumulators for a network of the given layer sizes and at most <paramref name="batchCapacity"/> samples per batch; throws <see cref="ArgumentException"/> for an invalid window.</summary>
    public TraceStdp(int[] layerSizes, int batchCapacity, StdpWindow window)
    {
        var problems = window.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        _sizes = layerSizes;
        Window = window;
        _spikes = layerSizes.Select(n => new Matrix(batchCapacity, n)).ToArray();
        _pre = layerSizes.Select(n => new Matrix(batchCapacity, n)).ToArray();
        _post = layerSizes.Select(n => new Matrix(batchCapacity, n)).ToArray();
        _accFree = Enumerable.Range(0, layerSizes.Length - 1).Select(l => new Matrix(layerSizes[l], layerSizes[l + 1])).ToArray();
        _accNudged = Enumerable.Range(0, layerSizes.Length - 1).Select(l => new Matrix(layerSizes[l], layerSizes[l + 1])).ToArray();
    }

    /// <summary>Clears the accumulators for a new batch.</summary>
    public void BeginBatch()
    {
        foreach (var m in _accFree) Array.Clear(m.Data);
        foreach (var m in _accNudged) Array.Clear(m.Data);
        _iterFree = _iterNudged = 0;
    }

    /// <summary>Clears the traces (at the start of a batch's free phase; the nudged phase continues them).</summary>
    public void ResetTraces()
    {
        foreach (var m in _pre) Array.Clear(m.Data);
        foreach (var m in _post) Array.Clear(m.Data);
    }

    /// <summary>
    /// One iteration of <paramref name="phase"/> with the current layer states (<paramref name="threads"/> caps the
    /// products' threads, 0: all cores); returns multiply-accumulates.
    /// </summary>
    public long Step(IReadOnlyList<Matrix> states, int batch, Phase phase, int threads = 0)
    {
        float dp = MathF.Exp(-Window.StepMs / Window.TauPlusMs), dm = MathF.Exp(-Window.StepMs / Window.TauMinusMs);
        for (int l = 0; l < _sizes.Length; l++)
        {
            int len = batch * _sizes[l];
            var s = states[l].Data.AsSpan(0, len);
            var sp = _spikes[l].Data.AsSpan(0, len);
            var x = _pre[l].Data.AsSpan(0, len);
            var y = _post[l].Data.AsSpan(0, len);
            for (int i = 0; i < len; i++)
            {
                float spike = s[i] > Window.Threshold ? 1f : 0f;
                sp[i] = spike;
                x[i] = x[i] * dp + (1f - dp) * spike;
                y[i] = y[i] * dm + (1f - dm) * spike;
            }
        }
        var acc = phase == Phase.Free ? _accFree : _accNudged;
        if (phase == Phase.Free) _iterFree++; else _iterNudged++;
        long macs = 0;
        for (int l = 0; l + 1 < _sizes.Length; l++)
        {
            int np = _sizes[l], nq = _sizes[l + 1];
            Gemm.Multiply(Transpose.Yes, Transpose.No, np, nq, batch, Window.APlus, _pre[l].Data, 0, np, _spikes[l + 1].Data, 0, nq, 1f, acc[l].Data, 0, nq, threads);
            Gemm.Multiply(Transpose.Yes, Transpose.No, np, nq, batch, -Window.AMinus, _spikes[l].Data, 0, np, _post[l + 1].Data, 0, nq, 1f, acc[l].Data, 0, nq, threads);
            macs += 2L * np * nq * batch;
        }
        return macs;
    }

    /// <summary>Writes ΔW of every weight layer: (A_nudged/n_nudged − A_free/n_free)/(βB).</summary>
    public void Finish(IReadOnlyList<Matrix> dw, int batch, float beta)
    {
        if (_iterFree == 0 || _iterNudged == 0) throw new InvalidOperationException("spike-timing STDP needs at least one free and one nudged iteration");
        float sn = 1f / (_iterNudged * beta * batch), sf = 1f / (_iterFree * beta * batch);
        for (int l = 0; l < dw.Count; l++)
        {
            var o = dw[l].Data;
            var an = _accNudged[l].Data;
            var af = _accFree[l].Data;
            for (int i = 0; i < o.Length; i++) o[i] = an[i] * sn - af[i] * sf;
        }
    }
}
