using System.Numerics.Tensors;
using Sbp.Core.Neurons;
using Sbp.Core.Numerics;
using Sbp.Core.Plasticity;

namespace Sbp.Core.Models;

/// <summary>
/// The paper's spiking network trained with contrastive STDP (SBP-SPEC §4). Layers 0..L−1, layer 0 the clamped input;
/// W_ℓ is n_ℓ x n_{ℓ+1}; b_ℓ the bias of layer ℓ ≥ 1. Per mini-batch of B samples (rows):
///  1. feedforward LIF phase, k = 1..K (K = T/dt), κ = k/K, for ℓ = 1..L−1 in order (Gauss–Seidel):
///       I = σ(s_{ℓ−1}W_{ℓ−1} + b_ℓ); LIF step of (g, V) with I;
///       s = κ·V + (1−κ)·h_ℓ; V ← s; s_ℓ ← σ(s)
///     s_0·W_0 is computed once per batch (the input is clamped), so layer 1's current is constant over the K steps.
///  2. free phase, n_free iterations: hidden s_ℓ ← σ(s_ℓ − ε(s_ℓ − s_{ℓ−1}W_{ℓ−1} − s_{ℓ+1}W_ℓᵀ − b_ℓ)),
///     output s_L ← relu(s_L − ε(s_L − s_{L−1}W_{L−1} − b_L)); then h ← s; prediction = argmax s_L.
///  3. nudged phase from a copy s⁺ of the free state, n_nudge iterations, the output adding β(s⁺_L − y).
///  4. b_ℓ += α·mean(s⁺_ℓ − s_ℓ)/β; ΔW from the base rule, then the SBP operator if set; W_ℓ += α_ℓ·ΔW';
///     the weight constraints are enforced (one place: <see cref="WeightBounds"/>).
/// Quirk kept by default: V, g and h persist from batch to batch (<see cref="SnnParameters.ResetStatePerBatch"/>).
/// Nothing is allocated per batch or per step after construction.
/// </summary>
public sealed class SpikingStdpNetwork : ISupervisedNetwork
{
    /// <summary>The (validated) parameters the network was built with.</summary>
    public SnnParameters Parameters { get; }
    /// <summary>W_ℓ per weight layer (n_ℓ x n_{ℓ+1}, rows presynaptic), Glorot-uniform at start; trained in place.</summary>
    public Matrix[] Weights { get; }
    /// <summary>Biases per layer; entry 0 (the input) is empty.</summary>
    public float[][] Biases { get; }
    /// <summary>The bounds and Dale's-law populations of each weight layer.</summary>
    public WeightConstraints[] Constraints { get; }
    /// <summary>Multiply-accumulates and element updates performed so far (the counted synaptic operations).</summary>
    public long SynapticOps { get; private set; }
    /// <summary>LIF threshold crossings per layer since the last <see cref="ResetCounters"/>.</summary>
    public long[] Spikes { get; }

    private readonly int[] _n;
    private readonly int _layers;
    private readonly Matrix[] _s, _sp, _v, _g, _gInh, _h, _drive, _inh, _stpU, _stpX, _dw;
    private readonly Matrix _y, _x0w;
    private readonly float[] _scratch;
    private readonly float[][] _dBias, _preMean;
    private readonly SelfBackpropagation? _sbp;
    private readonly TraceStdp? _trace;
    private readonly int[] _inhibitory;
    private int _batch;
    /// <summary>True while _x0w holds s_0·W_0 of the current batch with the current weights.</summary>
    private bool _x0wCurrent;

    /// <summary>A network with Glorot-uniform weights (Dale's signs applied) and zero biases drawn from <see cref="SnnParameters.Seed"/>; throws <see cref="ArgumentException"/> when <paramref name="p"/> is invalid.</summary>
    public SpikingStdpNetwork(SnnParameters p)
    {
        p.Validate();
        Parameters = p;
        _n = (int[])p.LayerSizes.Clone();
        _layers = _n.Length;
        int b = p.BatchSize;
        Matrix[] PerLayer() => _n.Select(n => new Matrix(b, n)).ToArray();
        _s = PerLayer(); _sp = PerLayer(); _v = PerLayer(); _g = PerLayer(); _gInh = PerLayer(); _h = PerLayer();
        _drive = PerLayer(); _inh = PerLayer(); _stpU = PerLayer(); _stpX = PerLayer();
        _y = new Matrix(b, _n[^1]);
        _x0w = new Matrix(b, _n[1]);
        _scratch = new float[b * _n.Max()];
        _inhibitory = _n.Select((n, l) => l == 0 || l == _layers - 1 ? 0 : (int)MathF.Round(p.InhibitoryFraction * n)).ToArray();
        Weights = new Matrix[_layers - 1];
        _dw = new Matrix[_layers - 1];
        Constraints = new WeightConstraints[_layers - 1];
        for (int l = 0; l < _layers - 1; l++)
        {
            Weights[l] = GlorotUniform(_n[l], _n[l + 1], Rng.Derive(p.Seed, (ulong)l + 1));
            _dw[l] = new Matrix(_n[l], _n[l + 1]);
            Constraints[l] = new WeightConstraints(p.WeightMin, p.WeightMax, _inhibitory[l] > 0, _inhibitory[l]);
            if (Constraints[l].Dale) ApplyDaleSigns(Weights[l], _inhibitory[l]);
            WeightBounds.Enforce(Weights[l], Constraints[l]);
        }
        Biases = _n.Select((n, l) => l == 0 ? [] : new float[n]).ToArray();
        _dBias = _n.Select(n => new float[n]).ToArray();
        _preMean = _n.Select(n => new float[n]).ToArray();
        if (p.Sbp is not null) _sbp = new SelfBackpropagation(_n);
        if (p.Rule == BaseRule.SpikeTiming) _trace = new TraceStdp(_n, b, p.Window);
        Spikes = new long[_layers];
        ResetState();
    }

    /// <summary>Number of layers, input included.</summary>
    public int LayerCount => _layers;
    /// <summary>The free-phase output of the last batch (rows 0..batch−1 are valid).</summary>
    public Matrix Output => _s[^1];
    /// <summary>The free state of layer ℓ for the last batch.</summary>
    public Matrix State(int layer) => _s[layer];
    /// <summary>Samples in the last loaded batch (at most the batch size).</summary>
    public int CurrentBatch => _batch;

    /// <summary>When set, every LIF spike of the feedforward phase is appended (step, layer, sample in batch, neuron): for rasters.</summary>
    public List<(int Step, int Layer, int Sample, int Neuron)>? SpikeLog { get; set; }

    /// <summary>W ~ U(−a, a), a = √(6/(fan_in + fan_out)).</summary>
    public static Matrix GlorotUniform(int rows, int cols, Rng rng)
    {
        float a = MathF.Sqrt(6f / (rows + cols));
        var w = new Matrix(rows, cols);
        for (int i = 0; i < w.Data.Length; i++) w.Data[i] = (2f * rng.NextSingle() - 1f) * a;
        return w;
    }

    private static void ApplyDaleSigns(Matrix w, int inhibitoryRows)
    {
        for (int r = 0; r < w.Rows; r++)
        {
            var row = w.Row(r);
            TensorPrimitives.Abs(row, row);
            if (r >= w.Rows - inhibitoryRows) TensorPrimitives.Negate(row, row);
        }
    }

    /// <summary>Zeroes V, g, h (and resets short-term plasticity): the state of a fresh network.</summary>
    public void ResetState()
    {
        for (int l = 0; l < _layers; l++)
        {
            Array.Clear(_v[l].Data); Array.Clear(_g[l].Data); Array.Clear(_gInh[l].Data); Array.Clear(_h[l].Data);
            if (Parameters.ShortTermPlasticity is StpParameters stp) ShortTermPlasticity.Reset(stp, _stpU[l].Data, _stpX[l].Data);
        }
    }

    /// <summary>Sets <see cref="SynapticOps"/> and <see cref="Spikes"/> to 0.</summary>
    public void ResetCounters()
    {
        SynapticOps = 0;
        Array.Clear(Spikes);
    }

    /// <summary>Copies the samples <paramref name="rows"/> of a data set into the input and target buffers.</summary>
    public void LoadBatch(Matrix features, Matrix targets, ReadOnlySpan<int> rows)
    {
        if (features.Cols != _n[0]) throw new ArgumentException($"the data has {features.Cols} features; the input layer has {_n[0]} neurons");
        if (targets.Cols != _n[^1]) throw new ArgumentException($"the data has {targets.Cols} targets; the output layer has {_n[^1]} neurons");
        if (rows.Length < 1 || rows.Length > Parameters.BatchSize) throw new ArgumentException($"a batch holds 1..{Parameters.BatchSize} samples, got {rows.Length}");
        _batch = rows.Length;
        for (int i = 0; i < rows.Length; i++)
        {
            features.Row(rows[i]).CopyTo(_s[0].Row(i));
            targets.Row(rows[i]).CopyTo(_y.Row(i));
        }
        _s[0].Data.AsSpan(0, _batch * _n[0]).CopyTo(_sp[0].Data);
    }

    /// <summary>One training batch: feedforward, free phase, nudged phase, plasticity.</summary>
    public void TrainBatch(Matrix features, Matrix targets, ReadOnlySpan<int> rows)
    {
        LoadBatch(features, targets, rows);
        if (Parameters.ResetStatePerBatch) ResetState();
        _trace?.BeginBatch();
        Feedforward();
        Relax(nudged: false);
        Relax(nudged: true);
        Learn();
    }

    /// <summary>Feedforward + free phase without plasticity; the prediction is in <see cref="Output"/>.</summary>
    public void Infer(Matrix features, Matrix targets, ReadOnlySpan<int> rows)
    {
        LoadBatch(features, targets, rows);
        if (Parameters.ResetStatePerBatch) ResetState();
        Feedforward();
        Relax(nudged: false);
    }

    private Span<float> Live(Matrix m) => m.Data.AsSpan(0, _batch * m.Cols);

    /// <summary>drive ← s_{ℓ−1}·W_{ℓ−1} (the cached s_0·W_0 for ℓ = 1).</summary>
    private void ForwardDrive(Matrix[] s, int l, Matrix drive)
    {
        if (l == 1) { Live(_x0w).CopyTo(drive.Data); return; }
        int np = _n[l - 1], nq = _n[l];
        Gemm.Multiply(Transpose.No, Transpose.No, _batch, nq, np, 1f, s[l - 1].Data, 0, np, Weights[l - 1].Data, 0, nq, 0f, drive.Data, 0, nq);
        SynapticOps += (long)_batch * np * nq;
    }

    private void Feedforward()
    {
        var p = Parameters;
        int n0 = _n[0], n1 = _n[1];
        Gemm.Multiply(Transpose.No, Transpose.No, _batch, n1, n0, 1f, _s[0].Data, 0, n0, Weights[0].Data, 0, n1, 0f, _x0w.Data, 0, n1);
        SynapticOps += (long)_batch * n0 * n1;
        _x0wCurrent = true;
        int steps = p.Steps;
        var lif = p.Lif;
        for (int k = 1; k <= steps; k++)
        {
            float kappa = (float)k / steps;
            for (int l = 1; l < _layers; l++)
            {
                var current = Live(_drive[l]);
                bool constant = l == 1 && p.ShortTermPlasticity is null;
                if (k == 1 || !constant)
                {
                    if (_inhibitory[l - 1] > 0) InhibitoryDrive(l);
                    else ForwardDrive(_s, l, _drive[l]);
                    Activations.AddRowVector(current, Biases[l], _batch);
                    Activations.BipolarSigmoid(current, current);
                    if (p.ShortTermPlasticity is StpParameters stp) ShortTermPlasticity.Step(stp, current, Live(_stpU[l]), Live(_stpX[l]));
                }
                var v = Live(_v[l]);
                Spikes[l] += _inhibitory[l - 1] > 0
                    ? Lif.StepWithInhibition(lif, current, Live(_inh[l]), Live(_g[l]), Live(_gInh[l]), v)
                    : Lif.Step(lif, current, Live(_g[l]), v);
                SynapticOps += v.Length;
                if (SpikeLog is not null) LogSpikes(k, l, v, lif.Reset);
                // s = κV + (1−κ)h; V ← s; s_ℓ ← σ(s)
                var s = Live(_s[l]);
                TensorPrimitives.Multiply(v, kappa, s);
                TensorPrimitives.MultiplyAdd(Live(_h[l]), 1f - kappa, s, s);
                s.CopyTo(v);
                Activations.BipolarSigmoid(s, s);
            }
        }
    }

    private void LogSpikes(int step, int layer, ReadOnlySpan<float> v, float reset)
    {
        int n = _n[layer];
        for (int i = 0; i < v.Length; i++)
            if (v[i] == reset) SpikeLog!.Add((step, layer, i / n, i % n));
    }

    /// <summary>Dale's law populations: excitatory rows drive g, inhibitory rows drive g_I (through _inh).</summary>
    private void InhibitoryDrive(int l)
    {
        int np = _n[l - 1], nq = _n[l], ni = _inhibitory[l - 1], ne = np - ni;
        var w = Weights[l - 1].Data;
        Gemm.Multiply(Transpose.No, Transpose.No, _batch, nq, ne, 1f, _s[l - 1].Data, 0, np, w, 0, nq, 0f, _drive[l].Data, 0, nq);
        Gemm.Multiply(Transpose.No, Transpose.No, _batch, nq, ni, -1f, _s[l - 1].Data, ne, np, w, ne * nq, nq, 0f, _inh[l].Data, 0, nq);
        var inh = Live(_inh[l]);
        Activations.BipolarSigmoid(inh, inh);
        TensorPrimitives.Max(inh, 0f, inh);
        SynapticOps += (long)_batch * np * nq;
    }

    private void Relax(bool nudged)
    {
        var p = Parameters;
        var s = nudged ? _sp : _s;
        if (nudged)
            for (int l = 1; l < _layers; l++) Live(_s[l]).CopyTo(_sp[l].Data);
        int iterations = nudged ? p.NudgeIterations : p.FreeIterations;
        var phase = nudged ? Phase.Nudged : Phase.Free;
        // the nudged phase continues the free phase in time: traces start once per batch, so that a neuron that
        // starts (or stops) firing under the nudge meets the traces the free phase left
        if (_trace is not null && !nudged) _trace.ResetTraces();
        float eps = p.Epsilon;
        for (int it = 0; it < iterations; it++)
        {
            for (int l = 1; l < _layers; l++)
            {
                var drive = _drive[l];
                ForwardDrive(s, l, drive);
                var d = Live(drive);
                Activations.AddRowVector(d, Biases[l], _batch);
                var sl = Live(s[l]);
                if (l < _layers - 1)
                {
                    int nq = _n[l + 1], nl = _n[l];
                    Gemm.Multiply(Transpose.No, Transpose.Yes, _batch, nl, nq, 1f, s[l + 1].Data, 0, nq, Weights[l].Data, 0, nq, 1f, drive.Data, 0, nl);
                    SynapticOps += (long)_batch * nl * nq;
                    // s ← σ(s − ε(s − drive))
                    TensorPrimitives.Subtract(sl, d, d);
                    TensorPrimitives.MultiplyAdd(d, -eps, sl, sl);
                    Activations.BipolarSigmoid(sl, sl);
                }
                else
                {
                    // s ← relu(s − ε(s − drive [+ β(s − y)]))
                    TensorPrimitives.Subtract(sl, d, d);
                    if (nudged)
                    {
                        var diff = _scratch.AsSpan(0, sl.Length);
                        TensorPrimitives.Subtract(sl, Live(_y), diff);
                        TensorPrimitives.MultiplyAdd(diff, p.Beta, d, d);
                    }
                    TensorPrimitives.MultiplyAdd(d, -eps, sl, sl);
                    Activations.Relu(sl, sl);
                }
                SynapticOps += 4L * sl.Length;
            }
            if (_trace is not null) SynapticOps += _trace.Step(s, _batch, phase);
        }
        if (!nudged)
            for (int l = 1; l < _layers; l++) Live(_s[l]).CopyTo(_h[l].Data);
    }

    private void Learn()
    {
        _x0wCurrent = false;
        var p = Parameters;
        float beta = p.Beta;
        for (int l = 1; l < _layers; l++)
        {
            // b_ℓ += α·mean(s⁺_ℓ − s_ℓ)/β
            var diff = _scratch.AsSpan(0, _batch * _n[l]);
            TensorPrimitives.Subtract(Live(_sp[l]), Live(_s[l]), diff);
            Activations.ColumnMean(diff, _batch, _dBias[l]);
            TensorPrimitives.MultiplyAdd(_dBias[l], p.LearningRates[l - 1] / beta, Biases[l], Biases[l]);
        }
        if (_trace is not null) _trace.Finish(_dw, _batch, beta);
        else
            for (int l = 0; l < _layers - 1; l++)
                SynapticOps += ContrastiveStdp.Compute(p.Rule, _s[l], _sp[l], _s[l + 1], _sp[l + 1], _batch, beta, _dw[l], _scratch);
        if (_sbp is not null) SynapticOps += _sbp.ApplyToNetwork(_dw, p.Sbp!, _s, _batch, _preMean);
        SynapticOps += WeightUpdate.Apply(Weights, _dw, p.LearningRates, Constraints, Biases, p.CheckInvariants);
    }

    /// <summary>
    /// Hebb energy of the current free state, mean over the batch:
    /// E = Σ_ℓ ½|s_ℓ|² − Σ_ℓ s_ℓ·b_ℓ − Σ_ℓ (s_ℓW_ℓ)·s_{ℓ+1}.
    /// </summary>
    public double HebbEnergy()
    {
        double e = 0;
        for (int l = 0; l < _layers; l++)
        {
            var s = Live(_s[l]);
            e += 0.5 * TensorPrimitives.Dot(s, s);
            if (l > 0)
                for (int r = 0; r < _batch; r++) e -= TensorPrimitives.Dot(_s[l].Row(r), Biases[l]);
            if (l < _layers - 1)
            {
                int np = _n[l], nq = _n[l + 1];
                var sw = _scratch.AsSpan(0, _batch * nq);
                // s_0·W_0 of an inferred batch is already at hand
                if (l == 0 && _x0wCurrent) Live(_x0w).CopyTo(sw);
                else Gemm.Multiply(Transpose.No, Transpose.No, _batch, nq, np, 1f, _s[l].Data, 0, np, Weights[l].Data, 0, nq, 0f, _scratch, 0, nq);
                e -= TensorPrimitives.Dot(sw, Live(_s[l + 1]));
            }
        }
        return e / _batch;
    }
}
