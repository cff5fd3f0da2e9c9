using System.Diagnostics;
using System.Numerics.Tensors;
using Sbp.Core.Learning;
using Sbp.Core.Numerics;
using Sbp.Core.Plasticity;

namespace Sbp.Core.Models;

/// <summary>
/// The spiking MLP of the paper's supplementary experiments (docs/SBP-SPEC.md §6), trained by backpropagation through time
/// written by hand. Weight layer k maps n_k → n_{k+1}; per time step t and layer, with x the layer's input spikes:
///   a = sigmoid(x·W_k + b_k);  I = a − 0.1;  m_t = 0.2·m_{t−1}·(1 − s_{t−1}) + I;  s_t = H(m_t − 0.5)
/// Output o = Σ_t s_t / T; loss L = mean over batch and outputs of (o − y)² [+ λ·E, the reference's energy term on the
/// last step's spikes, <see cref="SpikingMlpEnergy"/>]. Backward, t = T−1 … 0, top layer first:
///   ∂L/∂s_t = [top] ∂L/∂o / T + [else] (∂L/∂a_t^{k+1} ∘ a(1 − a))·W_{k+1}ᵀ − 0.2·m_t·∂L/∂m_{t+1} [+ λ·∂E/∂s_t at t = T−1]
///   ∂L/∂m_t = ∂L/∂s_t·s'(m_t) + 0.2·(1 − s_t)·∂L/∂m_{t+1}
///   ∂L/∂W_k += x_tᵀ(∂L/∂m_t ∘ a(1 − a)),  ∂L/∂b_k += Σ_batch (∂L/∂m_t ∘ a(1 − a))
/// with s' the surrogate (<see cref="SurrogateGradient"/>). Adam updates; lr × factor every N epochs.
/// The hidden layers' gradient can be replaced (per batch with probability p, or per step as in the reference) by
/// the reference SBP gradient (SpikingMlpSbpGradient.cs), by the SBP operator in replace mode, or by zero (<see cref="HiddenGradient"/>).
/// Input and hidden spikes are binary and sparse, so the products run event-driven (<see cref="SparseRows"/>).
/// Every sample's forward pass and its backward recurrence are its own: after the input spikes of all steps are drawn
/// (one generator, in the reference's order), both run over all T steps per part of the batch, the parts spread over
/// <see cref="Threads"/> threads; the sums over the batch (bias and weight gradients, the loss) follow in one order.
/// The results are the same bits for any number of threads.
/// </summary>
public sealed partial class SpikingMlp : ISupervisedNetwork, INetworkExecution, IStatefulNetwork
{
    /// <summary>The (validated) parameters the network was built with.</summary>
    public SmlpParameters Parameters { get; }
    /// <summary>W_k per weight layer (n_k x n_{k+1}), U(−1/√n_k, 1/√n_k) at start; trained in place by Adam.</summary>
    public Matrix[] Weights { get; }
    /// <summary>b_k per weight layer (n_{k+1} values), initialised like the weights.</summary>
    public float[][] Biases { get; }
    /// <summary>Synaptic events and multiply-accumulates of everything (forward, backward, updates).</summary>
    public long SynapticOps { get; private set; }
    /// <summary>Operations spent on the hidden layers' backprop weight gradients (and the error propagated to them).</summary>
    public long HiddenBackpropOps { get; private set; }
    /// <summary>Operations spent on replacement gradients (SBP or the operator).</summary>
    public long ReplacementOps { get; private set; }
    /// <summary>Batches (or steps, in the per-step form) whose hidden gradient was replaced.</summary>
    public long Replaced { get; private set; }
    /// <summary>The objective of the last batch: the MSE, plus λ·E when the energy term is on.</summary>
    public float Loss { get; private set; }
    /// <summary>The energy E = Σ_k |P_k| of the last batch (0 when the term is off).</summary>
    public float Energy { get; private set; }

    private readonly int[] _n;
    private readonly int _w;
    private readonly int _steps;
    private readonly Matrix[][] _x, _a, _m;   // [t][k]: input of layer k, its sigmoid a, its membrane m; spikes of layer k = _x[t][k + 1]
    private readonly Matrix[] _topSpikes;    // [t]: the output layer's spikes
    private readonly Matrix _out, _y, _dOut;
    private readonly Matrix[] _dm, _dmNext, _dA, _dS;
    private readonly float[][] _dASteps;     // [k]: ∂L/∂a of every step, step q = T−1−t at rows q·B.., for the deferred weight gradient
    private readonly Matrix[][] _xBackward;  // [k][q]: the input of layer k at step T−1−q (BPTT order)
    private readonly Matrix[] _grad, _repl;
    private readonly float[][] _gradBias;
    private readonly Matrix[] _feedback;      // R_k: n_{k+1} x n_out, fixed
    private readonly Matrix[] _previousInput; // the last step's input of the previous batch (a reference quirk)
    private readonly float[][] _preMean;
    private readonly float[] _ebuf;
    private readonly Adam[] _adamW, _adamB;
    private readonly Rng _encode, _replace;
    private readonly int[] _codeIndex, _codeCount;  // per sample: the pixels with p > 0 (row i at i·n_0) and their count
    private readonly uint[] _codeThreshold;         // their integer Bernoulli thresholds ⌈p·2²⁴⌉, fixed over the steps
    private readonly int[] _codeStart;              // per sample: where its uniforms start within a step's (prefix sums of the counts)
    private readonly uint[] _codeUniforms;          // the batch's uniforms, step by step
    private readonly SelfBackpropagation? _operator;
    private readonly SpikingMlpEnergy? _energy;
    private long _forwardEvents;                    // the forward products' events of the current batch, summed over the parts
    private int _batch, _epoch;
    private bool _hasPrevious;

    /// <summary>A network with weights, biases and feedback drawn from <see cref="SmlpParameters.Seed"/>; throws <see cref="ArgumentException"/> when <paramref name="p"/> is invalid.</summary>
    public SpikingMlp(SmlpParameters p)
    {
        p.Validate();
        Parameters = p;
        _n = (int[])p.LayerSizes.Clone();
        _n[0] = p.StepInputs;
        _w = _n.Length - 1;
        _steps = p.Steps;
        int b = p.BatchSize;
        Matrix[] PerK(Func<int, int> cols) => Enumerable.Range(0, _w).Select(k => new Matrix(b, cols(k))).ToArray();
        _x = Enumerable.Range(0, _steps).Select(_ => _n.Select(n => new Matrix(b, n)).ToArray()).ToArray();
        _a = Enumerable.Range(0, _steps).Select(_ => PerK(k => _n[k + 1])).ToArray();
        _m = Enumerable.Range(0, _steps).Select(_ => PerK(k => _n[k + 1])).ToArray();
        _topSpikes = Enumerable.Range(0, _steps).Select(t => _x[t][_w]).ToArray();
        _out = new Matrix(b, _n[^1]);
        _y = new Matrix(b, _n[^1]);
        _dOut = new Matrix(b, _n[^1]);
        _dm = PerK(k => _n[k + 1]); _dmNext = PerK(k => _n[k + 1]); _dA = PerK(k => _n[k + 1]); _dS = PerK(k => _n[k + 1]);
        _dASteps = Enumerable.Range(0, _w).Select(k => new float[_steps * b * _n[k + 1]]).ToArray();
        _xBackward = Enumerable.Range(0, _w).Select(k => Enumerable.Range(0, _steps).Select(q => _x[_steps - 1 - q][k]).ToArray()).ToArray();
        var rng = Rng.Derive(p.Seed, 1);
        Weights = new Matrix[_w];
        Biases = new float[_w][];
        _grad = new Matrix[_w];
        _repl = new Matrix[_w];
        _gradBias = new float[_w][];
        _feedback = new Matrix[_w];
        _previousInput = new Matrix[_w];
        _adamW = new Adam[_w];
        _adamB = new Adam[_w];
        for (int k = 0; k < _w; k++)
        {
            // PyTorch's nn.Linear initialisation: U(−1/√fan_in, 1/√fan_in) for weights and biases
            float bound = 1f / MathF.Sqrt(_n[k]);
            Weights[k] = new Matrix(_n[k], _n[k + 1]);
            for (int i = 0; i < Weights[k].Data.Length; i++) Weights[k].Data[i] = (2f * rng.NextSingle() - 1f) * bound;
            Biases[k] = new float[_n[k + 1]];
            for (int i = 0; i < Biases[k].Length; i++) Biases[k][i] = (2f * rng.NextSingle() - 1f) * bound;
            _grad[k] = new Matrix(_n[k], _n[k + 1]);
            _repl[k] = new Matrix(_n[k], _n[k + 1]);
            _gradBias[k] = new float[_n[k + 1]];
            _feedback[k] = new Matrix(_n[k + 1], _n[^1]);
            var fb = Rng.Derive(p.Seed, 0xfeed + (ulong)k);
            // Kaiming-uniform (torch's default gain √2, fan-in n_out): bound √(6/n_out); or U(−1, 1)
            float fbBound = p.Feedback == FeedbackInit.KaimingUniform ? MathF.Sqrt(6f / _n[^1]) : 1f;
            for (int i = 0; i < _feedback[k].Data.Length; i++) _feedback[k].Data[i] = (2f * fb.NextSingle() - 1f) * fbBound;
            _previousInput[k] = new Matrix(b, _n[k]);
            _adamW[k] = new Adam(Weights[k].Data.Length, p.Adam);
            _adamB[k] = new Adam(Biases[k].Length, p.Adam);
        }
        _preMean = _n.Select(n => new float[n]).ToArray();
        _ebuf = new float[b * _n.Max()];
        _encode = Rng.Derive(p.Seed, 0xE0C0DE);
        _codeIndex = new int[b * _n[0]];
        _codeThreshold = new uint[b * _n[0]];
        _codeCount = new int[b];
        _codeStart = new int[b + 1];
        _codeUniforms = p.Encoding == InputEncoding.Bernoulli ? new uint[_steps * b * _n[0]] : [];
        _replace = Rng.Derive(p.Seed, 0x5EB1ACE);
        if (p.Rule == HiddenGradient.SbpOperator) _operator = new SelfBackpropagation(_n);
        if (p.EnergyWeight > 0) _energy = new SpikingMlpEnergy(_n);
        _forwardPart = ForwardPart;
        _backwardPart = BackwardPart;
    }

    /// <summary>Weights and biases, and the input encoder's random stream ("generator.encode"): the Bernoulli spikes of the next batch.</summary>
    public IReadOnlyList<StateArray> InferenceState() =>
        [.. NetworkState.WeightsAndBiases(Weights, [[], .. Biases]), new GeneratorArray("generator.encode", _encode)];

    /// <summary>When set, the time of every training phase is added to it (the SBP phase is the hidden-gradient replacement).</summary>
    public PhaseClock? Clock { get; set; }

    /// <summary>Threads for the parts of a batch and the weight-gradient products; the results are the same bits for any value.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    private int _parts;
    private readonly Action<int> _forwardPart, _backwardPart;
    private int _lowest;

    /// <summary>
    /// Parts of the current batch: up to <see cref="Threads"/>, each of at least enough rows that every layer's rows
    /// hold 16 values (so the vector functions see the same lengths class as on the whole batch).
    /// </summary>
    private int Parts()
    {
        int narrowest = int.MaxValue;
        for (int k = 1; k < _n.Length; k++) narrowest = Math.Min(narrowest, _n[k]);
        int minRows = (16 + narrowest - 1) / narrowest;
        return Math.Clamp(Math.Min(Threads, _batch / minRows), 1, Math.Max(1, _batch));
    }

    private (int R0, int R1) PartRows(int part) => ((int)((long)_batch * part / _parts), (int)((long)_batch * (part + 1) / _parts));

    private void RunParts(Action<int> body)
    {
        if (_parts == 1) body(0);
        else Team.For(_parts, body);
    }

    /// <summary>The output spike rates Σ_t s_t / T of the last batch (rows 0..batch−1 are valid), each in [0, 1].</summary>
    public Matrix Output => _out;
    /// <summary>Samples in the last batch (at most the batch size).</summary>
    public int CurrentBatch => _batch;
    /// <summary>Sets every operation counter and <see cref="Replaced"/> to 0.</summary>
    public void ResetCounters() { SynapticOps = 0; HiddenBackpropOps = 0; ReplacementOps = 0; Replaced = 0; }
    /// <summary>The learning-rate schedule reads the epoch (1-based).</summary>
    public void BeginEpoch(int epoch) => _epoch = epoch;
    /// <summary>The learning rate of the current epoch: lr · factor^⌊(epoch − 1)/N⌋.</summary>
    public float LearningRate => Parameters.Adam.LearningRate * MathF.Pow(Parameters.DecayFactor, Math.Max(0, _epoch - 1) / Parameters.DecayEveryEpochs);

    private Span<float> Live(Matrix m) => m.Data.AsSpan(0, _batch * m.Cols);

    /// <summary>Forward pass over T steps: output rates in <see cref="Output"/>, the loss against the targets in <see cref="Loss"/>.</summary>
    public void Forward(Matrix features, Matrix targets, ReadOnlySpan<int> rows)
    {
        var p = Parameters;
        if (features.Cols != p.LayerSizes[0]) throw new ArgumentException($"the data has {features.Cols} features; the network expects {p.LayerSizes[0]}");
        if (targets.Cols != _n[^1]) throw new ArgumentException($"the data has {targets.Cols} targets; the output layer has {_n[^1]} neurons");
        if (rows.Length < 1 || rows.Length > p.BatchSize) throw new ArgumentException($"a batch holds 1..{p.BatchSize} samples, got {rows.Length}");
        _batch = rows.Length;
        for (int i = 0; i < rows.Length; i++) targets.Row(rows[i]).CopyTo(_y.Row(i));
        Live(_out).Clear();
        if (p.Encoding == InputEncoding.Bernoulli)
        {
            for (int i = 0; i < rows.Length; i++)
            {
                _codeCount[i] = SmlpKernels.BernoulliThresholds(features.Row(rows[i]).Slice(0, _n[0]), _codeIndex.AsSpan(i * _n[0], _n[0]), _codeThreshold.AsSpan(i * _n[0], _n[0]));
                _codeStart[i + 1] = _codeStart[i] + _codeCount[i];
            }
            int perStep = _codeStart[rows.Length];
            SmlpKernels.BernoulliUniforms(_encode, _codeUniforms.AsSpan(0, _steps * perStep));
        }
        else
            for (int t = 0; t < _steps; t++) CopyInput(features, rows, t, _x[t][0]);
        _parts = Parts();
        _forwardEvents = 0;
        RunParts(_forwardPart);
        SynapticOps += _forwardEvents;
        for (int k = 0; k < _w; k++) SynapticOps += 3L * _steps * _batch * _n[k + 1];
        TensorPrimitives.Multiply(Live(_out), 1f / _steps, Live(_out));
        TensorPrimitives.Subtract(Live(_out), Live(_y), Live(_dOut));
        Loss = TensorPrimitives.Dot(Live(_dOut), Live(_dOut)) / (_batch * _n[^1]);
        if (_energy is not null)
        {
            SynapticOps += _energy.Evaluate(_x[_steps - 1], Weights, _batch);
            Energy = _energy.Value;
            Loss += p.EnergyWeight * Energy;
        }
    }

    /// <summary>The forward pass of samples r0..r1−1 over all steps: layer by layer, a = sigmoid(x·W + b), then m and s; the output's spikes summed.</summary>
    private void ForwardPart(int part)
    {
        var p = Parameters;
        var (r0, r1) = PartRows(part);
        int rows = r1 - r0;
        bool heaviside = p.Spike != SpikeFunction.Smooth;
        Span<float> Rows(Matrix m) => m.Data.AsSpan(r0 * m.Cols, rows * m.Cols);
        bool bernoulli = p.Encoding == InputEncoding.Bernoulli;
        int n0 = _n[0], perStep = _codeStart[_batch];
        for (int t = 0; t < _steps; t++)
        {
            if (bernoulli)
                for (int i = r0; i < r1; i++)
                    SmlpKernels.BernoulliSpikes(_codeIndex.AsSpan(i * n0, _codeCount[i]), _codeThreshold.AsSpan(i * n0, _codeCount[i]),
                        _codeUniforms.AsSpan(t * perStep + _codeStart[i], _codeCount[i]), _x[t][0].Row(i));
            for (int k = 0; k < _w; k++)
            {
                int nin = _n[k];
                var a = Rows(_a[t][k]);
                long events = SparseRows.Multiply(_x[t][k].Data.AsSpan(r0 * nin, rows * nin), rows, nin, Weights[k], a, accumulate: false);
                Interlocked.Add(ref _forwardEvents, events);
                Activations.AddRowVector(a, Biases[k], rows);
                TensorPrimitives.Sigmoid(a, a);
                var m = Rows(_m[t][k]);
                var s = Rows(_x[t][k + 1]);
                // m = 0.2·m_{t−1}·(1 − s_{t−1}) + a − 0.1, s = H(m − θ): one pass
                if (heaviside)
                {
                    SmlpKernels.LeakSpike(a, t == 0 ? default : Rows(_m[t - 1][k]), t == 0 ? default : Rows(_x[t - 1][k + 1]), m, s, p.Decay, p.CurrentOffset, p.Threshold);
                    continue;
                }
                if (t == 0) TensorPrimitives.Subtract(a, p.CurrentOffset, m);
                else
                {
                    var mp = Rows(_m[t - 1][k]);
                    var sp = Rows(_x[t - 1][k + 1]);
                    for (int i = 0; i < m.Length; i++) m[i] = p.Decay * mp[i] * (1f - sp[i]) + a[i] - p.CurrentOffset;
                }
                for (int i = 0; i < m.Length; i++) s[i] = SurrogateGradient.Spike(p.Spike, m[i], p.Threshold);
            }
            TensorPrimitives.Add(Rows(_out), Rows(_topSpikes[t]), Rows(_out));
        }
    }

    /// <summary>The input of step t for the encodings without draws: the static image, or the frame of the step.</summary>
    private void CopyInput(Matrix features, ReadOnlySpan<int> rows, int t, Matrix x)
    {
        var p = Parameters;
        int n = _n[0];
        for (int i = 0; i < rows.Length; i++)
        {
            var src = features.Row(rows[i]);
            if (p.Encoding == InputEncoding.Static) src.CopyTo(x.Row(i));
            else src.Slice((int)((long)t * p.Frames / _steps) * n, n).CopyTo(x.Row(i));
        }
    }

    /// <summary>Forward, backward and an Adam step on one batch.</summary>
    public void TrainBatch(Matrix features, Matrix targets, ReadOnlySpan<int> rows)
    {
        long t0 = Stopwatch.GetTimestamp();
        Forward(features, targets, rows);
        long t1 = Stopwatch.GetTimestamp();
        var p = Parameters;
        bool replaceBatch = p.Rule != HiddenGradient.Backprop && p.Form == ReplacementForm.PerBatch && _replace.NextDouble() < p.ReplaceProportion;
        bool perStep = p.Rule != HiddenGradient.Backprop && p.Form == ReplacementForm.PerStep;
        if (perStep) BeginPerStepBatch();
        Backward(hiddenByBackprop: !replaceBatch, perStep);
        long t2 = Stopwatch.GetTimestamp();
        if (replaceBatch) { Replaced++; ReplaceHidden(); }
        long t3 = Stopwatch.GetTimestamp();
        bool freezeBiases = p.ReferenceQuirks && (replaceBatch || perStep);
        float lr = LearningRate;
        for (int k = 0; k < _w; k++)
        {
            _adamW[k].Step(Weights[k].Data, _grad[k].Data, lr);
            if (!freezeBiases && !(replaceBatch && k < _w - 1)) _adamB[k].Step(Biases[k], _gradBias[k], lr);
            SynapticOps += 2L * Weights[k].Data.Length;
            Divergence.Ensure(Weights[k].Data, $"weight layer {k} ({_n[k]}x{_n[k + 1]})");
            Divergence.Ensure(Biases[k], $"the biases of weight layer {k}");
        }
        for (int k = 0; k < _w; k++)
        {
            Live(_x[_steps - 1][k]).CopyTo(_previousInput[k].Data);
            _previousInput[k].Data.AsSpan(_batch * _n[k]).Clear();
        }
        _hasPrevious = true;
        Clock?.Add(RunPhase.Feedforward, t1 - t0);
        Clock?.Add(RunPhase.Backward, t2 - t1);
        Clock?.Add(RunPhase.Sbp, t3 - t2);
        Clock?.Add(RunPhase.Plasticity, Stopwatch.GetTimestamp() - t3);
    }

    /// <summary>
    /// BPTT. With <paramref name="hiddenByBackprop"/> false only the output layer gets its gradient (the hidden ones are
    /// replaced afterwards, and nothing is propagated below the output). In the per-step form every step's hidden
    /// contribution is replaced, except every k-th step.
    /// </summary>
    private void Backward(bool hiddenByBackprop, bool perStep)
    {
        var p = Parameters;
        for (int k = 0; k < _w; k++)
        {
            Array.Clear(_grad[k].Data);
            Array.Clear(_gradBias[k]);
            Live(_dmNext[k]).Clear();
        }
        int lowest = hiddenByBackprop ? 0 : _w - 1;
        // Without per-step replacement every step adds x_tᵀ(∂L/∂a_t) to the weight gradient: those products run once
        // after the recurrence over all steps (t descending, the same additions in the same order), a block of the
        // gradient held in registers across the steps. The recurrence itself is per sample: it runs per part of the
        // batch. The per-step form interleaves replacements, and the energy term's gradient spans the batch: they run
        // step by step on the whole batch.
        if (!perStep && _energy is null)
        {
            _lowest = lowest;
            _parts = Parts();
            RunParts(_backwardPart);
            for (int t = _steps - 1; t >= 0; t--)
                for (int k = _w - 1; k >= lowest; k--)
                {
                    int nk = _n[k + 1], q = _steps - 1 - t;
                    Activations.ColumnSumAdd(_dASteps[k].AsSpan(q * p.BatchSize * nk, _batch * nk), _batch, _gradBias[k]);
                }
            // the counted operations of the step-by-step form: the recurrence (the hidden layers' counted as backprop),
            // and the error passed down (backprop work for any layer)
            for (int k = _w - 1; k >= lowest; k--)
            {
                long recurrence = _steps * 6L * _batch * _n[k + 1];
                long down = k > lowest ? _steps * (long)_batch * _n[k] * _n[k + 1] : 0;
                SynapticOps += recurrence + down;
                HiddenBackpropOps += (k < _w - 1 ? recurrence : 0) + down;
            }
        }
        else StepByStep(lowest, perStep);
        if (!perStep)
            for (int k = lowest; k < _w; k++)
            {
                long g = SparseRows.TransposeMultiplyAddSteps(_xBackward[k], _batch, _dASteps[k], p.BatchSize, _grad[k], 1f, Threads);
                SynapticOps += g;
                if (k < _w - 1) HiddenBackpropOps += g;
            }
        if (_energy is not null && p.EnergyGradient == EnergyGradient.Full)
            for (int k = lowest; k < _w; k++) SynapticOps += _energy.AddWeightGradient(k, _grad[k], p.EnergyWeight);
    }

    /// <summary>
    /// The backward recurrence of samples r0..r1−1 over all steps, top layer first: ∂L/∂m and ∂L/∂a of every step kept
    /// for the deferred sums, ∂L/∂s passed to the layer below.
    /// </summary>
    private void BackwardPart(int part)
    {
        var p = Parameters;
        var (r0, r1) = PartRows(part);
        int rows = r1 - r0, capacity = p.BatchSize;
        float dOutScale = 2f / (_batch * _n[^1]) / _steps;
        Span<float> Rows(Matrix m) => m.Data.AsSpan(r0 * m.Cols, rows * m.Cols);
        for (int t = _steps - 1; t >= 0; t--)
        {
            int q = _steps - 1 - t;
            for (int k = _w - 1; k >= _lowest; k--)
            {
                int nk = _n[k + 1];
                var dS = Rows(_dS[k]);
                if (k == _w - 1) TensorPrimitives.Multiply(Rows(_dOut), dOutScale, dS);
                var dA = _dASteps[k].AsSpan((q * capacity + r0) * nk, rows * nk);
                Recur(dS, Rows(_m[t][k]), Rows(_x[t][k + 1]), Rows(_a[t][k]), Rows(_dmNext[k]), Rows(_dm[k]), dA);
                if (k > _lowest)
                {
                    // ∂L/∂s of the layer below at this step, (∂L/∂a)·W_kᵀ: work done only for the hidden layers
                    int nin = _n[k];
                    Gemm.Multiply(Transpose.No, Transpose.Yes, rows, nin, nk, 1f, _dASteps[k], (q * capacity + r0) * nk, nk, Weights[k].Data, 0, nk, 0f, _dS[k - 1].Data, r0 * nin, nin, 1);
                }
            }
        }
    }

    /// <summary>One step of the recurrence through the neuron: ∂L/∂m from ∂L/∂s and the next step's ∂L/∂m (overwritten by it), and ∂L/∂a.</summary>
    private void Recur(ReadOnlySpan<float> dS, ReadOnlySpan<float> m, ReadOnlySpan<float> s, ReadOnlySpan<float> a, Span<float> dmNext, Span<float> dm, Span<float> dA)
    {
        var p = Parameters;
        if (p.Spike == SpikeFunction.Rectangular)
        {
            SmlpKernels.BackwardRectangular(dS, m, s, a, dmNext, dm, dA, p.Decay, p.Threshold, SurrogateGradient.RectangleHalfWidth);
            return;
        }
        for (int i = 0; i < dm.Length; i++)
        {
            float ds = dS[i] - p.Decay * m[i] * dmNext[i];
            float d = ds * SurrogateGradient.Derivative(p.Spike, m[i], p.Threshold) + p.Decay * (1f - s[i]) * dmNext[i];
            dm[i] = d;
            dA[i] = d * a[i] * (1f - a[i]);
        }
        dm.CopyTo(dmNext);
    }

    /// <summary>The backward pass step by step on the whole batch (the per-step replacement form, the energy term).</summary>
    private void StepByStep(int lowest, bool perStep)
    {
        var p = Parameters;
        bool deferred = !perStep;
        int capacity = p.BatchSize;
        float dOutScale = 2f / (_batch * _n[^1]) / _steps;
        for (int t = _steps - 1; t >= 0; t--)
        {
            bool bpStep = !perStep || (p.AlternateEvery > 0 && t % p.AlternateEvery == 0);
            for (int k = _w - 1; k >= lowest; k--)
            {
                var dS = Live(_dS[k]);
                if (k == _w - 1) TensorPrimitives.Multiply(Live(_dOut), dOutScale, dS);
                // (∂L/∂s_t from the layer above was written into _dS[k] when that layer was processed)
                if (_energy is not null && t == _steps - 1) SynapticOps += _energy.AddSpikeGradient(k + 1, dS, p.EnergyWeight);
                var dm = Live(_dm[k]);
                int q = _steps - 1 - t, nk = _n[k + 1];
                var dA = deferred ? _dASteps[k].AsSpan(q * capacity * nk, _batch * nk) : Live(_dA[k]);
                Recur(dS, Live(_m[t][k]), Live(_x[t][k + 1]), Live(_a[t][k]), Live(_dmNext[k]), dm, dA);
                bool hidden = k < _w - 1;
                long bpOps = hidden ? 6L * dm.Length : 0;
                long ownOps = hidden ? 0 : 6L * dm.Length;
                if (deferred)
                    Activations.ColumnSumAdd(dA, _batch, _gradBias[k]);
                else if (!hidden || bpStep)
                {
                    long g = SparseRows.TransposeMultiplyAdd(_x[t][k], _batch, _dA[k], _grad[k], 1f, Threads);
                    Activations.ColumnSumAdd(dA, _batch, _gradBias[k]);
                    if (hidden) bpOps += g; else ownOps += g;
                }
                else
                {
                    // the reference per-step form: this step's hidden contribution is the SBP gradient built from
                    // this step's output-layer contribution (counted as replacement operations)
                    SynapticOps += PerStepSbp(t, k);
                }
                if (k > lowest)
                {
                    // ∂L/∂s of the layer below at this step, (∂L/∂a)·W_kᵀ: work done only for the hidden layers
                    int nin = _n[k], nout = _n[k + 1];
                    Gemm.Multiply(Transpose.No, Transpose.Yes, _batch, nin, nout, 1f, deferred ? _dASteps[k] : _dA[k].Data, deferred ? q * capacity * nout : 0, nout, Weights[k].Data, 0, nout, 0f, _dS[k - 1].Data, 0, nin, Threads);
                    bpOps += (long)_batch * nin * nout;
                }
                SynapticOps += bpOps + ownOps;
                HiddenBackpropOps += bpOps;
            }
        }
    }

    /// <summary>The hidden gradients of a replaced batch, from the top hidden layer down.</summary>
    private void ReplaceHidden()
    {
        var p = Parameters;
        long before = SynapticOps;
        switch (p.Rule)
        {
            case HiddenGradient.Zero:
                for (int k = 0; k < _w - 1; k++) Array.Clear(_grad[k].Data);
                break;
            case HiddenGradient.Sbp:
                SynapticOps += SbpReplaceBatch();
                break;
            case HiddenGradient.SbpOperator:
                for (int k = 0; k < _w; k++) MeanOverTime(k, _preMean[k]);
                _operator!.Threads = Threads;
                SynapticOps += _operator.Apply(_grad, p.Sbp, _preMean);
                break;
        }
        ReplacementOps += SynapticOps - before;
    }

    private Matrix LastStepInput(int k) => _x[_steps - 1][k];

    private Matrix[]? _meanBuffers;

    /// <summary>The time-mean input of layer k for the batch (batch x n_k).</summary>
    private Matrix TimeMeanInput(int k)
    {
        _meanBuffers ??= _n.Select(n => new Matrix(Parameters.BatchSize, n)).ToArray();
        var mb = _meanBuffers[k];
        var dst = Live(mb);
        dst.Clear();
        for (int t = 0; t < _steps; t++) TensorPrimitives.Add(dst, Live(_x[t][k]), dst);
        TensorPrimitives.Multiply(dst, 1f / _steps, dst);
        return mb;
    }

    private void MeanOverTime(int k, float[] output)
    {
        Activations.ColumnMean(Live(TimeMeanInput(k)), _batch, output);
    }

    /// <summary>Forward and full BPTT without an update: the gradients land in <see cref="Gradient"/> (for checks).</summary>
    public void ComputeGradients(Matrix features, Matrix targets, ReadOnlySpan<int> rows)
    {
        Forward(features, targets, rows);
        Backward(hiddenByBackprop: true, perStep: false);
    }

    /// <summary>Forward only; the output rates are in <see cref="Output"/>.</summary>
    public void Infer(Matrix features, Matrix targets, ReadOnlySpan<int> rows) => Forward(features, targets, rows);

    /// <summary>Test hook: the gradient of the last batch for weight layer k (what Adam received).</summary>
    internal Matrix Gradient(int k) => _grad[k];
    /// <summary>Test hook: the bias gradient of the last batch for layer k.</summary>
    internal float[] BiasGradient(int k) => _gradBias[k];
    /// <summary>Test hook: the fixed random feedback matrix of hidden layer k (feedback-alignment gradients).</summary>
    internal Matrix FeedbackMatrix(int k) => _feedback[k];
}
