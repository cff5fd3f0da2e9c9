using System.Numerics.Tensors;
using Sbp.Core.Numerics;

namespace Sbp.Core.Models;

/// <summary>
/// The reference SBP gradient of the spiking MLP's hidden weight layers (docs/SBP-SPEC.md §6, §11). For hidden weight layer k
/// (W_k: n_k × n_{k+1}), with G the weight gradient s is read from, e = y − o, x the layer's input and R_k the fixed
/// n_{k+1} × n_out random feedback:
///   s_j = scale·Σ_m |G_jm| / |G|,    ∇W_k = (xᵀ·e·R_kᵀ + scale·H_k)·diag(s).
/// G is the output layer's gradient for every hidden layer (<see cref="ScaleSource.Output"/>, the reference) or the
/// layer above's; in the per-step form it is this step's contribution to it. H_k, the reference form (hebb_last):
///   E_t = x_{t−1}ᵀ·s_t / B² for the steps t of the batch that have a previous step (t ≥ 1; with the quirks also
///   t = 0, whose previous step is the previous batch's last), H = E_last + E_second-last − E_first − E_second;
/// the whole H joins every replaced step in the per-step form. The clean form (<see cref="HebbForm.SameStep"/>):
///   H = Σ_{t ∈ {T−1, T−2}} x_tᵀs_t − Σ_{t ∈ {0, 1}} x_tᵀs_t, only step t's term in the per-step form.
/// The per-step form with the quirks and the reference H (the authors' run) reads the same x (the batch's last step),
/// e and H at every step, so its base B_k = xᵀ·e·R_kᵀ + scale·H_k is built once per batch and each step adds
/// B_k·diag(s_t): the same operations on the same values, so the same bits, as building it at every step; the counted
/// operations stay those of the reference's form.
/// </summary>
public sealed partial class SpikingMlp
{
    private float[][]? _sbpScale;
    private Matrix[]? _hbuf;
    private float[]? _ebufR;
    private Matrix? _stepGrad;
    private Matrix[]? _sbpBase;
    private long[]? _sbpBaseOps;
    private bool[]? _sbpBaseBuilt;

    /// <summary>Test hook: false rebuilds the per-step base at every step, as the reference does (for the bit-for-bit check).</summary>
    internal bool ReuseSbpBase { get; set; } = true;

    /// <summary>The SBP scale s of hidden weight layer k as last computed (length n_{k+1}), for checks.</summary>
    public ReadOnlySpan<float> SbpScaleOf(int k) => _sbpScale is null ? default : _sbpScale[k];

    /// <summary>H of hidden weight layer k (n_k × n_{k+1}) as last computed, for checks.</summary>
    public Matrix HebbCorrelation(int k) => Hebb(k);

    /// <summary>The spikes of layer ℓ at step t of the last batch (ℓ = 0: the input), batch × n_ℓ, for checks.</summary>
    public Matrix StepSpikes(int t, int layer) => _x[t][layer];

    private Matrix Hebb(int k) => (_hbuf ??= _n.Select((n, i) => i < _w ? new Matrix(n, _n[i + 1]) : new Matrix(0, 0)).ToArray())[k];

    /// <summary>
    /// A batch of the per-step form begins: no base B_k is built yet; with the SBP rule and the reference H, H of every
    /// hidden layer, once per batch.
    /// </summary>
    private void BeginPerStepBatch()
    {
        if (_sbpBaseBuilt is not null) Array.Clear(_sbpBaseBuilt);
        if (Parameters.Rule != HiddenGradient.Sbp || Parameters.Hebb != HebbForm.Reference) return;
        long ops = 0;
        for (int k = 0; k < _w - 1; k++) ops += ReferenceHebb(k);
        SynapticOps += ops;
        ReplacementOps += ops;
    }

    /// <summary>The hidden gradients of a replaced batch, from the top hidden layer down. Returns operations.</summary>
    private long SbpReplaceBatch()
    {
        var p = Parameters;
        long ops = 0;
        for (int k = _w - 2; k >= 0; k--)
        {
            ops += p.Hebb == HebbForm.Reference ? ReferenceHebb(k) : SameStepHebb(k, hStep: -1);
            var source = p.ScaleFrom == ScaleSource.Output ? _grad[_w - 1] : _grad[k + 1];
            ops += ReferenceSbp(k, source, p.ReferenceQuirks ? LastStepInput(k) : TimeMeanInput(k), _grad[k]);
        }
        return ops;
    }

    /// <summary>Per-step form: adds to ∇W_k the SBP contribution built from this step's output-layer contribution.</summary>
    private long PerStepSbp(int t, int k)
    {
        var p = Parameters;
        int top = _w - 1;
        // this step's contribution to the output layer's gradient: x_tᵀ·∂L/∂a_t (recomputed for s)
        _stepGrad ??= new Matrix(_n[top], _n[top + 1]);
        Array.Clear(_stepGrad.Data);
        long ops = SparseRows.TransposeMultiplyAdd(Live(_x[t][top]), _batch, _n[top], Live(_dA[top]), _stepGrad);
        if (p.Hebb == HebbForm.SameStep) ops += SameStepHebb(k, hStep: t);
        var source = p.ScaleFrom == ScaleSource.Output || k == top - 1 ? _stepGrad : _grad[k + 1];
        if (p.ReferenceQuirks && p.Hebb == HebbForm.Reference && ReuseSbpBase)
        {
            // x, e and H are this batch's at every step: B_k once, then ∇W_k += B_k·diag(s_t)
            _sbpBase ??= new Matrix[_w];
            _sbpBaseOps ??= new long[_w];
            _sbpBaseBuilt ??= new bool[_w];
            var b = _sbpBase[k] ??= new Matrix(_n[k], _n[k + 1]);
            if (!_sbpBaseBuilt[k])
            {
                _sbpBaseOps[k] = SbpBase(k, LastStepInput(k), b);
                _sbpBaseBuilt[k] = true;
            }
            ops += SbpScale(k, source) + _sbpBaseOps[k];
            var s = _sbpScale![k].AsSpan(0, _n[k + 1]);
            // (B·s) rounded, then added: the bits of scaling a copy of B and adding it
            for (int i = 0; i < b.Rows; i++) TensorPrimitives.MultiplyAdd(b.Row(i), s, _grad[k].Row(i), _grad[k].Row(i));
            ops += b.Data.Length;
        }
        else
        {
            var x = p.ReferenceQuirks ? LastStepInput(k) : _x[t][k];
            var contribution = _repl[k];
            ops += ReferenceSbp(k, source, x, contribution);
            TensorPrimitives.Add(_grad[k].Data, contribution.Data, _grad[k].Data);
        }
        Replaced++;
        ReplacementOps += ops;
        return ops;
    }

    /// <summary>H_k in the reference form into <see cref="Hebb"/>(k). Returns operations.</summary>
    private long ReferenceHebb(int k)
    {
        var hk = Hebb(k);
        Array.Clear(hk.Data);
        int nin = _n[k];
        int first = Parameters.ReferenceQuirks && _hasPrevious ? 0 : 1;
        int count = _steps - first;
        float inv = 1f / ((float)_batch * _batch);
        long ops = 0;
        for (int i = 0; i < count; i++)
        {
            // entry i's weight in E[−1] + E[−2] − E[0] − E[1] (overlapping indices add up, as in the reference)
            int c = (i == count - 1 ? 1 : 0) + (i == count - 2 ? 1 : 0) - (i == 0 ? 1 : 0) - (i == 1 ? 1 : 0);
            if (c == 0) continue;
            int t = first + i;
            var input = t == 0 ? _previousInput[k] : _x[t - 1][k];
            ops += SparseRows.TransposeMultiplyAdd(Live(input), _batch, nin, Live(_x[t][k + 1]), hk, scale: c * inv);
        }
        return ops;
    }

    /// <summary>H_k in the clean same-step form (hStep ≥ 0: only that step's term) into <see cref="Hebb"/>(k). Returns operations.</summary>
    private long SameStepHebb(int k, int hStep)
    {
        var p = Parameters;
        var hk = Hebb(k);
        Array.Clear(hk.Data);
        int nin = _n[k];
        long ops = 0;
        // late steps T−1, T−2 count +1, then early steps 0, 1 count −1
        for (int t = _steps - 1; t >= Math.Max(0, _steps - 2); t--)
            if (hStep < 0 || t == hStep)
                ops += SparseRows.TransposeMultiplyAdd(Live(_x[t][k]), _batch, nin, Live(_x[t][k + 1]), hk);
        for (int t = 0; t <= Math.Min(1, _steps - 1); t++)
            if (hStep < 0 || t == hStep)
            {
                var input = p.ReferenceQuirks && t == 0 && _hasPrevious ? _previousInput[k] : _x[t][k];
                ops += SparseRows.TransposeMultiplyAdd(Live(input), _batch, nin, Live(_x[t][k + 1]), hk, scale: -1f);
            }
        return ops;
    }

    /// <summary>
    /// ∇W_k = (xᵀ·e·R_kᵀ + scale·H_k)·diag(s) into <paramref name="target"/>, s from <paramref name="source"/>, H_k as
    /// last built into <see cref="Hebb"/>(k). Returns operations.
    /// </summary>
    private long ReferenceSbp(int k, Matrix source, Matrix x, Matrix target)
    {
        long ops = SbpScale(k, source);
        var r = _repl[k];
        ops += SbpBase(k, x, r);
        var s = _sbpScale![k].AsSpan(0, _n[k + 1]);
        for (int i = 0; i < _n[k]; i++)
        {
            var row = r.Row(i);
            TensorPrimitives.Multiply(row, s, row);
        }
        ops += r.Data.Length;
        if (!ReferenceEquals(target, r)) r.Data.CopyTo(target.Data, 0);
        return ops;
    }

    /// <summary>s_j = scale·Σ_m |G_jm| / |G| of hidden weight layer k into <see cref="SbpScaleOf"/>(k), G = <paramref name="source"/>. Returns operations.</summary>
    private long SbpScale(int k, Matrix source)
    {
        int nh = _n[k + 1];
        _sbpScale ??= Enumerable.Range(0, _w).Select(i => new float[_n[i + 1]]).ToArray();
        var s = _sbpScale[k].AsSpan(0, nh);
        float norm = Parameters.SbpScale / source.Data.Length;
        for (int j = 0; j < nh; j++) s[j] = TensorPrimitives.SumOfMagnitudes(source.Row(j)) * norm;
        return source.Data.Length;
    }

    /// <summary>B_k = xᵀ·e·R_kᵀ + scale·H_k into <paramref name="r"/> (n_k × n_{k+1}), e = y − o, H_k as last built. Returns operations.</summary>
    private long SbpBase(int k, Matrix x, Matrix r)
    {
        var p = Parameters;
        int nin = _n[k], nh = _n[k + 1], nout = _n[^1];
        // e·R_kᵀ (batch x n_h)
        var e = _ebuf.AsSpan(0, _batch * nout);
        TensorPrimitives.Subtract(Live(_y), Live(_out), e);
        _ebufR ??= new float[p.BatchSize * _n.Max()];
        var eR = new Span<float>(_ebufR, 0, _batch * nh);
        Gemm.Multiply(Transpose.No, Transpose.Yes, _batch, nh, nout, 1f, _ebuf, 0, nout, _feedback[k].Data, 0, nout, 0f, _ebufR, 0, nh, Threads);
        long ops = (long)_batch * nh * nout;
        Array.Clear(r.Data);
        ops += SparseRows.TransposeMultiplyAdd(Live(x), _batch, nin, eR, r);
        var hk = Hebb(k);
        TensorPrimitives.MultiplyAdd(hk.Data, p.SbpScale, r.Data, r.Data);
        ops += hk.Data.Length;
        return ops;
    }
}
