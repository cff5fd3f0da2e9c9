using System.Diagnostics;
using System.Numerics.Tensors;
using Sbp.Core.Neurons;
using Sbp.Core.Numerics;
using Sbp.Core.Plasticity;

namespace Sbp.Core.Models;

/// <summary>
/// The paper's spiking network trained with contrastive STDP (docs/SBP-SPEC.md §4). Layers 0..L−1, layer 0 the clamped input;
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
/// Phases 1–3 run as one pass per block of 8 samples (every sample's dynamics are its own), blocks spread over
/// <see cref="Threads"/> threads, with the products of the small layers from weights packed once per batch
/// (<see cref="PackedProduct"/>) and the LIF step fused with the κ-mix (<see cref="LifFused"/>) where no inhibitory
/// population or spike observer needs the separate steps; every product sums in the same order for any block or
/// thread, so the results do not depend on the number of threads. Spike-timing STDP keeps each iteration's states and
/// steps its traces over the whole batch after the blocks (its products sum over the batch).
/// </summary>
public sealed class SpikingStdpNetwork : ISupervisedNetwork, INetworkExecution, IStatefulNetwork
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
    private readonly Matrix _y, _x0w, _diff;
    /// <summary>W_ℓ and W_ℓᵀ packed for the block products (ℓ ≥ 1; entry 0 unused: s_0·W_0 is one GEMM per batch).</summary>
    private readonly PackedOperand?[] _wPacked, _wtPacked;
    private readonly long[] _blockSpikes;
    private readonly Action<int> _runBlocks;
    private int _blockThreads;
    private bool _blockNudged;
    private readonly float[] _scratch;
    private readonly float[][] _dBias, _preMean;
    private readonly SelfBackpropagation? _sbp;
    private readonly TraceStdp? _trace;
    /// <summary>Spike-timing STDP: the states after each free, then each nudged iteration (entry 0 the input).</summary>
    private readonly Matrix[][] _iterationStates;
    // the rate rule that proposes ΔW from the settled states (null for the spike-timing rule, which uses _trace)
    private readonly IPlasticityRule? _rule;
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
        _diff = new Matrix(b, _n[^1]);
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
        if (p.CustomRule is not null) _rule = p.CustomRule;
        else if (p.Rule == BaseRule.SpikeTiming) _trace = new TraceStdp(_n, b, p.Window);
        else _rule = ContrastiveRule.Of(p.Rule);
        Spikes = new long[_layers];
        _iterationStates = _trace is null ? [] : Enumerable.Range(0, p.FreeIterations + p.NudgeIterations)
            .Select(_ => _n.Select((n, l) => l == 0 ? _s[0] : new Matrix(b, n)).ToArray()).ToArray();
        _wPacked = new PackedOperand?[_layers - 1];
        _wtPacked = new PackedOperand?[_layers - 1];
        for (int l = 1; l < _layers - 1; l++)
        {
            _wPacked[l] = new PackedOperand(_n[l], _n[l + 1]);
            _wtPacked[l] = new PackedOperand(_n[l + 1], _n[l]);
        }
        _blockSpikes = new long[Blocks(b) * _layers];
        _runBlocks = RunBlocks;
        ResetState();
    }

    /// <summary>
    /// Threads for the per-sample phases (feedforward and relaxation); the results are the same bits for any value.
    /// </summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>When set, the time of every training phase is added to it.</summary>
    public PhaseClock? Clock { get; set; }
    private readonly long[] _blockTicks = new long[Enum.GetValues<RunPhase>().Length];

    /// <summary>Number of layers, input included.</summary>
    public int LayerCount => _layers;
    /// <summary>The free-phase output of the last batch (rows 0..batch−1 are valid).</summary>
    public Matrix Output => _s[^1];
    /// <summary>The free state of layer ℓ for the last batch.</summary>
    public Matrix State(int layer) => _s[layer];
    /// <summary>Samples in the last loaded batch (at most the batch size).</summary>
    public int CurrentBatch => _batch;

    /// <summary>When set, every LIF spike of the feedforward phase is reported to it (for rasters).</summary>
    public ISpikeObserver? SpikeObserver { get; set; }

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

    /// <summary>
    /// Weights and biases; while V, g and h persist from batch to batch (the reference's quirk), also those of every
    /// layer ℓ ≥ 1 ("state.v.ℓ", "state.g.ℓ", "state.h.ℓ"; "state.gInh.ℓ" with Dale's-law populations, "state.stpU.ℓ"
    /// and "state.stpX.ℓ" with short-term plasticity), batch x n_ℓ.
    /// </summary>
    public IReadOnlyList<StateArray> InferenceState()
    {
        var state = NetworkState.WeightsAndBiases(Weights, Biases).ToList();
        if (Parameters.ResetStatePerBatch) return state;
        for (int l = 1; l < _layers; l++)
        {
            state.Add(NetworkState.Layer("v", l, _v[l]));
            state.Add(NetworkState.Layer("g", l, _g[l]));
            state.Add(NetworkState.Layer("h", l, _h[l]));
            if (_inhibitory[l - 1] > 0) state.Add(NetworkState.Layer("gInh", l, _gInh[l]));
            if (Parameters.ShortTermPlasticity is not null)
            {
                state.Add(NetworkState.Layer("stpU", l, _stpU[l]));
                state.Add(NetworkState.Layer("stpX", l, _stpX[l]));
            }
        }
        return state;
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
        Phases(nudged: true);
        Learn();
    }

    /// <summary>Feedforward + free phase without plasticity; the prediction is in <see cref="Output"/>.</summary>
    public void Infer(Matrix features, Matrix targets, ReadOnlySpan<int> rows)
    {
        LoadBatch(features, targets, rows);
        if (Parameters.ResetStatePerBatch) ResetState();
        Phases(nudged: false);
    }

    private Span<float> Live(Matrix m) => m.Data.AsSpan(0, _batch * m.Cols);

    private static int Blocks(int batch) => Math.Max(1, batch / 8);

    /// <summary>Phases 1–3 (the nudged phase only when training) per block of samples, blocks over threads.</summary>
    private void Phases(bool nudged)
    {
        var p = Parameters;
        int n0 = _n[0], n1 = _n[1], b = _batch;
        long begin = Stopwatch.GetTimestamp();
        Gemm.Multiply(Transpose.No, Transpose.No, b, n1, n0, 1f, _s[0].Data, 0, n0, Weights[0].Data, 0, n1, 0f, _x0w.Data, 0, n1, Threads);
        _x0wCurrent = true;
        for (int l = 1; l < _layers - 1; l++)
        {
            _wPacked[l]!.Pack(Weights[l], Transpose.No);
            _wtPacked[l]!.Pack(Weights[l], Transpose.Yes);
        }
        int blocks = Blocks(b);
        Array.Clear(_blockSpikes);
        Array.Clear(_blockTicks);
        long start = Stopwatch.GetTimestamp();
        if (nudged) Clock?.Add(RunPhase.Feedforward, start - begin);
        _blockNudged = nudged;
        _blockThreads = SpikeObserver is null ? Math.Clamp(Threads, 1, blocks) : 1;
        if (_blockThreads == 1) RunBlocks(0);
        else Team.For(_blockThreads, _runBlocks);
        if (nudged) Clock?.Split(Stopwatch.GetTimestamp() - start, _blockTicks);
        for (int blk = 0; blk < blocks; blk++)
            for (int l = 1; l < _layers; l++) Spikes[l] += _blockSpikes[blk * _layers + l];
        // the counted operations: every product and element update of the phases, as if each ran over the whole batch
        long ops = (long)b * n0 * n1;
        for (int l = 1; l < _layers; l++)
        {
            long forward = l >= 2 ? (long)b * _n[l - 1] * _n[l] : 0;
            ops += p.Steps * (forward + (long)b * _n[l]);
            long relax = forward + (l < _layers - 1 ? (long)b * _n[l] * _n[l + 1] : 0) + 4L * b * _n[l];
            ops += (p.FreeIterations + (nudged ? p.NudgeIterations : 0)) * relax;
        }
        SynapticOps += ops;
        if (nudged && _trace is not null) TraceSteps();
    }

    /// <summary>Spike-timing STDP over the whole batch: the traces start with the free phase and run on into the nudged one.</summary>
    private void TraceSteps()
    {
        long t0 = Stopwatch.GetTimestamp();
        _trace!.BeginBatch();
        _trace.ResetTraces();
        var p = Parameters;
        for (int it = 0; it < _iterationStates.Length; it++)
            SynapticOps += _trace.Step(_iterationStates[it], _batch, it < p.FreeIterations ? Phase.Free : Phase.Nudged, Threads);
        Clock?.Add(RunPhase.Plasticity, Stopwatch.GetTimestamp() - t0);
    }

    private void RunBlocks(int t)
    {
        int blocks = Blocks(_batch);
        int b0 = (int)((long)blocks * t / _blockThreads), b1 = (int)((long)blocks * (t + 1) / _blockThreads);
        for (int blk = b0; blk < b1; blk++)
        {
            int r0 = blk * 8, r1 = blk == blocks - 1 ? _batch : r0 + 8;
            long t0 = Stopwatch.GetTimestamp();
            FeedforwardBlock(blk, r0, r1);
            long t1 = Stopwatch.GetTimestamp();
            RelaxBlock(_s, r0, r1, nudged: false);
            for (int l = 1; l < _layers; l++) Rows(_s[l], r0, r1).CopyTo(Rows(_h[l], r0, r1));
            long t2 = Stopwatch.GetTimestamp();
            Interlocked.Add(ref _blockTicks[(int)RunPhase.Feedforward], t1 - t0);
            Interlocked.Add(ref _blockTicks[(int)RunPhase.Free], t2 - t1);
            if (_blockNudged)
            {
                for (int l = 1; l < _layers; l++) Rows(_s[l], r0, r1).CopyTo(Rows(_sp[l], r0, r1));
                RelaxBlock(_sp, r0, r1, nudged: true);
                Interlocked.Add(ref _blockTicks[(int)RunPhase.Nudged], Stopwatch.GetTimestamp() - t2);
            }
        }
    }

    private static Span<float> Rows(Matrix m, int r0, int r1) => m.Data.AsSpan(r0 * m.Cols, (r1 - r0) * m.Cols);

    /// <summary>drive rows ← s_{ℓ−1}·W_{ℓ−1} (the cached s_0·W_0 for ℓ = 1).</summary>
    private void ForwardDriveRows(Matrix[] s, int l, int r0, int r1)
    {
        if (l == 1) Rows(_x0w, r0, r1).CopyTo(Rows(_drive[1], r0, r1));
        else PackedProduct.Multiply(s[l - 1].Data, _n[l - 1], r0, r1, _wPacked[l - 1]!, _drive[l].Data, _n[l], accumulate: false);
    }

    /// <summary>Phase 1 for samples r0..r1−1.</summary>
    private void FeedforwardBlock(int blk, int r0, int r1)
    {
        var p = Parameters;
        var lif = p.Lif;
        var stp = p.ShortTermPlasticity;
        var observer = SpikeObserver;
        int steps = p.Steps, rows = r1 - r0;
        // counted here and added once per block: the blocks of the other thread count next to these in _blockSpikes
        Span<long> spikes = stackalloc long[_layers];
        spikes.Clear();
        for (int k = 1; k <= steps; k++)
        {
            float kappa = (float)k / steps;
            for (int l = 1; l < _layers; l++)
            {
                var current = Rows(_drive[l], r0, r1);
                bool inhibition = _inhibitory[l - 1] > 0;
                // the input is clamped, so layer 1's current stays that of step 1 unless short-term plasticity changes it
                if (k == 1 || l != 1 || stp is not null)
                {
                    if (inhibition) InhibitoryDriveRows(l, r0, r1);
                    else ForwardDriveRows(_s, l, r0, r1);
                    Activations.AddRowVector(current, Biases[l], rows);
                    Activations.BipolarSigmoid(current, current, p.Sigma);
                    if (stp is not null) ShortTermPlasticity.Step(stp, current, Rows(_stpU[l], r0, r1), Rows(_stpX[l], r0, r1));
                }
                var s = Rows(_s[l], r0, r1);
                var g = Rows(_g[l], r0, r1);
                var v = Rows(_v[l], r0, r1);
                var h = Rows(_h[l], r0, r1);
                if (!inhibition && observer is null)
                {
                    spikes[l] += LifFused.StepMix(lif, current, g, v, h, kappa, s, p.Sigma);
                    continue;
                }
                // the same operations as the fused step, in separate passes
                spikes[l] += inhibition
                    ? Lif.StepWithInhibition(lif, current, Rows(_inh[l], r0, r1), g, Rows(_gInh[l], r0, r1), v)
                    : Lif.Step(lif, current, g, v);
                if (observer is not null) ReportSpikes(observer, k, l, r0, v, lif.Reset);
                // s = κV + (1−κ)h; V ← s; s_ℓ ← σ(s)
                TensorPrimitives.Multiply(v, kappa, s);
                TensorPrimitives.MultiplyAdd(h, 1f - kappa, s, s);
                s.CopyTo(v);
                Activations.BipolarSigmoid(s, s, p.Sigma);
            }
        }
        for (int l = 1; l < _layers; l++) _blockSpikes[blk * _layers + l] += spikes[l];
    }

    private void ReportSpikes(ISpikeObserver observer, int step, int layer, int r0, ReadOnlySpan<float> v, float reset)
    {
        int n = _n[layer];
        for (int i = 0; i < v.Length; i++)
            if (v[i] == reset) observer.Spiked(step, layer, r0 + i / n, i % n);
    }

    /// <summary>Dale's law populations, for samples r0..r1−1: excitatory rows drive g, inhibitory rows drive g_I (through _inh).</summary>
    private void InhibitoryDriveRows(int l, int r0, int r1)
    {
        int np = _n[l - 1], nq = _n[l], ni = _inhibitory[l - 1], ne = np - ni, rows = r1 - r0;
        var w = Weights[l - 1].Data;
        var s = _s[l - 1].Data;
        Gemm.Multiply(Transpose.No, Transpose.No, rows, nq, ne, 1f, s, r0 * np, np, w, 0, nq, 0f, _drive[l].Data, r0 * nq, nq, 1);
        Gemm.Multiply(Transpose.No, Transpose.No, rows, nq, ni, -1f, s, r0 * np + ne, np, w, ne * nq, nq, 0f, _inh[l].Data, r0 * nq, nq, 1);
        var inh = Rows(_inh[l], r0, r1);
        Activations.BipolarSigmoid(inh, inh, Parameters.Sigma);
        TensorPrimitives.Max(inh, 0f, inh);
    }

    /// <summary>
    /// One relaxation step of a layer's state, given its full drive d (= s_{ℓ−1}W_{ℓ−1} + b_ℓ [+ s_{ℓ+1}W_ℓᵀ]):
    /// hidden s ← σ(s − ε(s − d)) in one pass (<see cref="HiddenRelaxation"/>); output s ← relu(s − ε(s − d [+ β(s − y)])),
    /// the β term only where <paramref name="y"/> is given (nudged phase), d and <paramref name="diff"/> overwritten.
    /// </summary>
    private static void RelaxState(Span<float> s, Span<float> d, float eps, bool hidden, ReadOnlySpan<float> y, float beta, Span<float> diff, TanhForm form)
    {
        if (hidden)
        {
            HiddenRelaxation.Step(s, d, eps, form);
            return;
        }
        TensorPrimitives.Subtract(s, d, d);
        if (!hidden && !y.IsEmpty)
        {
            TensorPrimitives.Subtract(s, y, diff);
            TensorPrimitives.MultiplyAdd(diff, beta, d, d);
        }
        TensorPrimitives.MultiplyAdd(d, -eps, s, s);
        Activations.Relu(s, s);
    }

    /// <summary>Phase 2 (free) or 3 (nudged) for samples r0..r1−1; with spike-timing STDP each iteration's states are kept.</summary>
    private void RelaxBlock(Matrix[] s, int r0, int r1, bool nudged)
    {
        var p = Parameters;
        int iterations = nudged ? p.NudgeIterations : p.FreeIterations, rows = r1 - r0;
        float eps = p.Epsilon;
        for (int it = 0; it < iterations; it++)
        {
            for (int l = 1; l < _layers; l++)
            {
                ForwardDriveRows(s, l, r0, r1);
                var d = Rows(_drive[l], r0, r1);
                Activations.AddRowVector(d, Biases[l], rows);
                var sl = Rows(s[l], r0, r1);
                bool hidden = l < _layers - 1;
                if (hidden)
                    PackedProduct.Multiply(s[l + 1].Data, _n[l + 1], r0, r1, _wtPacked[l]!, _drive[l].Data, _n[l], accumulate: true);
                RelaxState(sl, d, eps, hidden, nudged ? Rows(_y, r0, r1) : default, p.Beta, Rows(_diff, r0, r1), p.Sigma);
            }
            if (_iterationStates.Length > 0)
            {
                var kept = _iterationStates[(nudged ? p.FreeIterations : 0) + it];
                for (int l = 1; l < _layers; l++) Rows(s[l], r0, r1).CopyTo(Rows(kept[l], r0, r1));
            }
        }
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
        long t0 = Stopwatch.GetTimestamp();
        if (_trace is not null) _trace.Finish(_dw, _batch, beta);
        else
            for (int l = 0; l < _layers - 1; l++)
                SynapticOps += _rule!.Propose(new LayerActivity(l, _s[l], _sp[l], _s[l + 1], _sp[l + 1], Weights[l], _batch, beta), _dw[l], _scratch, Threads);
        long t1 = Stopwatch.GetTimestamp();
        if (_sbp is not null)
        {
            _sbp.Threads = Threads;
            SynapticOps += _sbp.ApplyToNetwork(_dw, p.Sbp!, _s, _batch, _preMean);
        }
        long t2 = Stopwatch.GetTimestamp();
        SynapticOps += WeightUpdate.Apply(Weights, _dw, p.LearningRates, Constraints, Biases, p.CheckInvariants, Threads);
        Clock?.Add(RunPhase.Plasticity, t1 - t0 + Stopwatch.GetTimestamp() - t2);
        Clock?.Add(RunPhase.Sbp, t2 - t1);
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
                else Gemm.Multiply(Transpose.No, Transpose.No, _batch, nq, np, 1f, _s[l].Data, 0, np, Weights[l].Data, 0, nq, 0f, _scratch, 0, nq, Threads);
                e -= TensorPrimitives.Dot(sw, Live(_s[l + 1]));
            }
        }
        return e / _batch;
    }
}
