using System.Diagnostics;
using System.Numerics.Tensors;
using Sbp.Core.Learning;
using Sbp.Core.Numerics;
using Sbp.Core.Plasticity;

namespace Sbp.Core.Models;

/// <summary>The persistent states ("particles") of every sample of one data set, kept between epochs.</summary>
public sealed class ParticleStore
{
    /// <summary>Per layer ℓ ≥ 1: samples x n_ℓ (entry 0 unused: the input is clamped).</summary>
    public Matrix[] States { get; }
    /// <summary>Zeroed states for <paramref name="samples"/> samples of a network with the given layer sizes.</summary>
    public ParticleStore(int[] layerSizes, int samples) =>
        States = layerSizes.Select((n, l) => l == 0 ? new Matrix(0, n) : new Matrix(samples, n)).ToArray();
    /// <summary>Number of samples held.</summary>
    public int Count => States.Length > 1 ? States[1].Rows : 0;
}

/// <summary>
/// The layered energy network trained by equilibrium propagation (Scellier &amp; Bengio 2017; docs/SBP-SPEC.md §5), with
/// ρ = clip(·, 0, 1) and the energy given by <see cref="EnergyFunction"/>. Per mini-batch of B samples:
///  1. load the samples' persistent states; free phase, n_free steps, all layers at once (Jacobi):
///       s_j ← clip(s_j − ε·∂E/∂s_j, 0, 1), j ≥ 1; store the result back; prediction = argmax s_L;
///  2. nudged phase from the free state, n_nudge steps on F = E + β|s_L − y|², β = ±β₀ (sign drawn per batch);
///  3. ΔW_k = −(∂E/∂W_k(s^β) − ∂E/∂W_k(s⁰))/(βB), Δb_j likewise; optionally the SBP operator on ΔW;
///     W_k += α_k·ΔW'_k, b_j += α_{j−1}·Δb_j; constraints enforced in <see cref="WeightBounds"/>.
/// ρ(s_0)·W_0 is computed once per batch: the input is clamped. Nothing is allocated per batch.
/// The relaxation runs per block of up to 12 samples (each sample's dynamics are its own), the samples shared equally
/// between <see cref="Threads"/> threads, with the other layers' products from weights packed once per phase (<see cref="PackedProduct"/>): the
/// same operations in the same order as layer-wide passes, so the results do not depend on the number of threads.
/// </summary>
public sealed class EnergyNetwork : INetworkExecution, IStatefulNetwork
{
    /// <summary>The (validated) parameters the network was built with.</summary>
    public EqPropParameters Parameters { get; }
    /// <summary>The energy relaxed and learned with.</summary>
    public EnergyFunction Energy { get; }
    /// <summary>W_k per weight layer (n_k x n_{k+1}, rows presynaptic), Glorot-uniform at start; trained in place.</summary>
    public Matrix[] Weights { get; }
    /// <summary>b_j per layer; entry 0 (the clamped input) is empty.</summary>
    public float[][] Biases { get; }
    /// <summary>The bounds of each weight layer (from <see cref="EqPropParameters.WeightMin"/>/<see cref="EqPropParameters.WeightMax"/>).</summary>
    public WeightConstraints[] Constraints { get; }
    /// <summary>Multiply-accumulates of relaxation and learning since the last <see cref="ResetCounters"/> (the counted synaptic operations).</summary>
    public long SynapticOps { get; private set; }
    /// <summary>The sign-carrying β of the last training batch.</summary>
    public float LastBeta { get; private set; }

    private readonly int[] _n;
    private readonly int _layers;
    private readonly Matrix[] _free, _nudged, _grad, _dw;
    private readonly Matrix _y, _x0w, _diff;
    /// <summary>W_ℓ and W_ℓᵀ packed for the block products (ℓ ≥ 1; entry 0 unused: ρ(s_0)·W_0 is one GEMM per batch).</summary>
    private readonly PackedOperand?[] _wPacked, _wtPacked;
    private readonly Action<int> _relaxBlocks;
    private Matrix[] _relaxStates = [];
    private int _relaxSteps, _relaxThreads;
    private float _relaxBeta;
    private readonly float[] _scratch;
    private readonly float[][] _preMean;
    private readonly SelfBackpropagation? _sbp;
    private readonly Rng _signs;
    private int _batch;
    private long _sbpTicks;

    /// <summary>Threads for the relaxation; the results are the same bits for any value.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>When set, the time of every training phase is added to it (the input product counts as feedforward).</summary>
    public PhaseClock? Clock { get; set; }

    /// <summary>A network with Glorot-uniform weights and zero biases drawn from <see cref="EqPropParameters.Seed"/>; throws <see cref="ArgumentException"/> when <paramref name="p"/> is invalid.</summary>
    public EnergyNetwork(EqPropParameters p)
    {
        p.Validate();
        Parameters = p;
        _n = (int[])p.LayerSizes.Clone();
        _layers = _n.Length;
        Energy = EnergyFunction.Create(p.Energy, _layers, p.Theta);
        int b = p.BatchSize;
        Matrix[] PerLayer() => _n.Select(n => new Matrix(b, n)).ToArray();
        _free = PerLayer(); _nudged = PerLayer(); _grad = PerLayer();
        _y = new Matrix(b, _n[^1]);
        _x0w = new Matrix(b, _n[1]);
        _diff = new Matrix(b, _n[^1]);
        _wPacked = new PackedOperand?[_layers - 1];
        _wtPacked = new PackedOperand?[_layers - 1];
        for (int l = 1; l < _layers - 1; l++)
        {
            _wPacked[l] = new PackedOperand(_n[l], _n[l + 1]);
            _wtPacked[l] = new PackedOperand(_n[l + 1], _n[l]);
        }
        _relaxBlocks = RelaxBlocks;
        _scratch = new float[b * _n.Max()];
        Weights = new Matrix[_layers - 1];
        _dw = new Matrix[_layers - 1];
        Constraints = new WeightConstraints[_layers - 1];
        for (int k = 0; k < _layers - 1; k++)
        {
            Weights[k] = SpikingStdpNetwork.GlorotUniform(_n[k], _n[k + 1], Rng.Derive(p.Seed, (ulong)k + 1));
            _dw[k] = new Matrix(_n[k], _n[k + 1]);
            Constraints[k] = new WeightConstraints(p.WeightMin, p.WeightMax);
            WeightBounds.Enforce(Weights[k], Constraints[k]);
        }
        Biases = _n.Select((n, l) => l == 0 ? [] : new float[n]).ToArray();
        _preMean = _n.Select(n => new float[n]).ToArray();
        if (p.Sbp is not null) _sbp = new SelfBackpropagation(_n);
        _signs = Rng.Derive(p.Seed, 0xbe7a);
    }

    /// <summary>Weights and biases (a data set's particles are its <see cref="ParticleStore"/>'s, kept by the caller).</summary>
    public IReadOnlyList<StateArray> InferenceState() => NetworkState.WeightsAndBiases(Weights, Biases).ToList();

    /// <summary>Zeroed persistent states for a data set of <paramref name="samples"/> samples.</summary>
    public ParticleStore CreateParticles(int samples) => new(_n, samples);
    /// <summary>The free-phase output states of the last batch (rows 0..batch−1 are valid).</summary>
    public Matrix Output => _free[^1];
    /// <summary>The free state of layer <paramref name="layer"/> for the last batch.</summary>
    public Matrix FreeState(int layer) => _free[layer];
    /// <summary>The nudged state of layer <paramref name="layer"/> for the last training batch.</summary>
    public Matrix NudgedState(int layer) => _nudged[layer];
    /// <summary>Samples in the last loaded batch (at most the batch size).</summary>
    public int CurrentBatch => _batch;
    /// <summary>Sets <see cref="SynapticOps"/> to 0.</summary>
    public void ResetCounters() => SynapticOps = 0;

    private Span<float> Live(Matrix m) => m.Data.AsSpan(0, _batch * m.Cols);

    /// <summary>Loads inputs (clipped to [0, 1]: ρ of the clamped layer), targets and the samples' particles.</summary>
    public void LoadBatch(Matrix features, Matrix targets, ReadOnlySpan<int> rows, ParticleStore particles)
    {
        if (features.Cols != _n[0]) throw new ArgumentException($"the data has {features.Cols} features; the input layer has {_n[0]} neurons");
        if (targets.Cols != _n[^1]) throw new ArgumentException($"the data has {targets.Cols} targets; the output layer has {_n[^1]} neurons");
        if (rows.Length < 1 || rows.Length > Parameters.BatchSize) throw new ArgumentException($"a batch holds 1..{Parameters.BatchSize} samples, got {rows.Length}");
        _batch = rows.Length;
        for (int i = 0; i < rows.Length; i++)
        {
            features.Row(rows[i]).CopyTo(_free[0].Row(i));
            targets.Row(rows[i]).CopyTo(_y.Row(i));
            for (int l = 1; l < _layers; l++) particles.States[l].Row(rows[i]).CopyTo(_free[l].Row(i));
        }
        Activations.Clip01(Live(_free[0]), Live(_free[0]));
        Live(_free[0]).CopyTo(_nudged[0].Data);
        int n0 = _n[0], n1 = _n[1];
        Gemm.Multiply(Transpose.No, Transpose.No, _batch, n1, n0, 1f, _free[0].Data, 0, n0, Weights[0].Data, 0, n1, 0f, _x0w.Data, 0, n1, Threads);
        SynapticOps += (long)_batch * n0 * n1;
    }

    private void StoreParticles(ReadOnlySpan<int> rows, ParticleStore particles)
    {
        for (int i = 0; i < rows.Length; i++)
            for (int l = 1; l < _layers; l++) _free[l].Row(i).CopyTo(particles.States[l].Row(rows[i]));
    }

    /// <summary>One batch: free phase (particles updated), nudged phase, learning.</summary>
    public void TrainBatch(Matrix features, Matrix targets, ReadOnlySpan<int> rows, ParticleStore particles)
    {
        long t0 = Stopwatch.GetTimestamp();
        LoadBatch(features, targets, rows, particles);
        long t1 = Stopwatch.GetTimestamp();
        Relax(_free, Parameters.FreeIterations, 0f);
        StoreParticles(rows, particles);
        long t2 = Stopwatch.GetTimestamp();
        float beta = Parameters.RandomBetaSign && _signs.NextInt(2) == 0 ? -Parameters.Beta : Parameters.Beta;
        LastBeta = beta;
        for (int l = 1; l < _layers; l++) Live(_free[l]).CopyTo(_nudged[l].Data);
        Relax(_nudged, Parameters.NudgeIterations, beta);
        long t3 = Stopwatch.GetTimestamp();
        Learn(beta);
        Clock?.Add(RunPhase.Feedforward, t1 - t0);
        Clock?.Add(RunPhase.Free, t2 - t1);
        Clock?.Add(RunPhase.Nudged, t3 - t2);
        Clock?.Add(RunPhase.Plasticity, Stopwatch.GetTimestamp() - t3 - _sbpTicks);
    }

    /// <summary>Free phase only (the particles of these samples are updated, as in the reference); prediction in <see cref="Output"/>.</summary>
    public void Infer(Matrix features, Matrix targets, ReadOnlySpan<int> rows, ParticleStore particles)
    {
        LoadBatch(features, targets, rows, particles);
        Relax(_free, Parameters.FreeIterations, 0f);
        StoreParticles(rows, particles);
    }

    /// <summary>n steps of s_j ← clip(s_j − ε·∂F/∂s_j, 0, 1) for every j ≥ 1 at once; F = E + β|s_L − y|².</summary>
    public void Relax(Matrix[] s, int steps, float beta)
    {
        if (steps <= 0) return;
        for (int l = 1; l < _layers - 1; l++)
        {
            _wPacked[l]!.Pack(Weights[l], Transpose.No);
            _wtPacked[l]!.Pack(Weights[l], Transpose.Yes);
        }
        (_relaxStates, _relaxSteps, _relaxBeta) = (s, steps, beta);
        // a thread per 8 samples at most (the team's helpers are awake between the regions of a batch: Team)
        _relaxThreads = Math.Clamp(Threads, 1, Math.Max(1, _batch / 8));
        if (_relaxThreads == 1) RelaxBlocks(0);
        else Team.For(_relaxThreads, _relaxBlocks);
        _relaxStates = [];
        long ops = 0;
        for (int j = 1; j < _layers; j++)
            ops += (j >= 2 ? (long)_batch * _n[j - 1] * _n[j] : 0) + (j < _layers - 1 ? (long)_batch * _n[j + 1] * _n[j] : 0) + 3L * _batch * _n[j];
        SynapticOps += steps * ops;
    }

    private static Span<float> Rows(Matrix m, int r0, int r1) => m.Data.AsSpan(r0 * m.Cols, (r1 - r0) * m.Cols);

    /// <summary>Samples relaxed together at most: their states stay in the first-level cache between the steps.</summary>
    private const int RelaxBlockRows = 12;

    /// <summary>
    /// Thread t's share of the samples, an equal share per thread (a batch of 20 on two threads: 10 and 10), relaxed in
    /// blocks of at most 12 samples of equal size (the rows of one pass of the packed products: PackedProduct).
    /// </summary>
    private void RelaxBlocks(int t)
    {
        int first = (int)((long)_batch * t / _relaxThreads), end = (int)((long)_batch * (t + 1) / _relaxThreads);
        int blocks = (end - first + RelaxBlockRows - 1) / RelaxBlockRows;
        float eps = Parameters.Epsilon;
        var s = _relaxStates;
        for (int blk = 0; blk < blocks; blk++)
        {
            int r0 = first + (end - first) * blk / blocks, r1 = first + (end - first) * (blk + 1) / blocks;
            for (int step = 0; step < _relaxSteps; step++)
            {
                for (int j = 1; j < _layers; j++) GradientRows(s, j, r0, r1, _relaxBeta);
                for (int j = 1; j < _layers; j++)
                {
                    var sj = Rows(s[j], r0, r1);
                    TensorPrimitives.MultiplyAdd(Rows(_grad[j], r0, r1), -eps, sj, sj);
                    Activations.Clip01(sj, sj);
                }
            }
        }
    }

    /// <summary>∂F/∂s_j of samples r0..r1−1 into _grad[j]: the operations of <see cref="StateGradient"/>, on these rows.</summary>
    private void GradientRows(Matrix[] s, int j, int r0, int r1, float beta)
    {
        var e = Energy;
        int nj = _n[j];
        var g = _grad[j];
        var gj = Rows(g, r0, r1);
        if (j == 1) TensorPrimitives.Multiply(Rows(_x0w, r0, r1), e.Coupling[0], gj);
        else PackedProduct.Multiply(s[j - 1].Data, _n[j - 1], r0, r1, _wPacked[j - 1]!, g.Data, nj, accumulate: false, e.Coupling[j - 1]);
        if (j < _layers - 1)
            PackedProduct.Multiply(s[j + 1].Data, _n[j + 1], r0, r1, _wtPacked[j]!, g.Data, nj, accumulate: true, e.Coupling[j]);
        TensorPrimitives.MultiplyAdd(Rows(s[j], r0, r1), 2f * e.Quadratic[j], gj, gj);
        if (e.Bias[j] != 0)
            for (int r = r0; r < r1; r++) TensorPrimitives.MultiplyAdd(Biases[j], e.Bias[j], g.Row(r), g.Row(r));
        if (beta != 0 && j == _layers - 1)
        {
            var diff = Rows(_diff, r0, r1);
            TensorPrimitives.Subtract(Rows(s[j], r0, r1), Rows(_y, r0, r1), diff);
            TensorPrimitives.MultiplyAdd(diff, 2f * beta, gj, gj);
        }
    }

    /// <summary>g = ∂F/∂s_j for the current batch (ρ' = 1 on the box, ρ(s) = s for states in [0, 1]).</summary>
    public void StateGradient(Matrix[] s, int j, Matrix g, float beta)
    {
        var e = Energy;
        int nj = _n[j];
        var gj = Live(g);
        // c_{j−1}·ρ(s_{j−1})W_{j−1}
        if (j == 1) TensorPrimitives.Multiply(Live(_x0w), e.Coupling[0], gj);
        else
        {
            int np = _n[j - 1];
            Gemm.Multiply(Transpose.No, Transpose.No, _batch, nj, np, e.Coupling[j - 1], s[j - 1].Data, 0, np, Weights[j - 1].Data, 0, nj, 0f, g.Data, 0, nj, Threads);
            SynapticOps += (long)_batch * np * nj;
        }
        // + c_j·ρ(s_{j+1})W_jᵀ
        if (j < _layers - 1)
        {
            int nq = _n[j + 1];
            Gemm.Multiply(Transpose.No, Transpose.Yes, _batch, nj, nq, e.Coupling[j], s[j + 1].Data, 0, nq, Weights[j].Data, 0, nq, 1f, g.Data, 0, nj, Threads);
            SynapticOps += (long)_batch * nq * nj;
        }
        // + 2q_j·s_j + m_j·b_j
        TensorPrimitives.MultiplyAdd(Live(s[j]), 2f * e.Quadratic[j], gj, gj);
        if (e.Bias[j] != 0)
            for (int r = 0; r < _batch; r++) TensorPrimitives.MultiplyAdd(Biases[j], e.Bias[j], g.Row(r), g.Row(r));
        // + β·∂|s_L − y|²/∂s_L = 2β(s_L − y)
        if (beta != 0 && j == _layers - 1)
        {
            var diff = _scratch.AsSpan(0, gj.Length);
            TensorPrimitives.Subtract(Live(s[j]), Live(_y), diff);
            TensorPrimitives.MultiplyAdd(diff, 2f * beta, gj, gj);
        }
        SynapticOps += 3L * gj.Length;
    }

    private void Learn(float beta)
    {
        var p = Parameters;
        var e = Energy;
        // ΔW_k = −c_k(ρ_k^βᵀρ_{k+1}^β − ρ_k⁰ᵀρ_{k+1}⁰)/(βB); for k = 0 the input is the same in both phases
        bool inputApplied = ApplyInputChange(beta);
        for (int k = inputApplied ? 1 : 0; k < _layers - 1; k++)
        {
            var rule = k == 0 ? BaseRule.SbpBase : BaseRule.Symmetric;
            SynapticOps += ContrastiveStdp.Compute(rule, _free[k], _nudged[k], _free[k + 1], _nudged[k + 1], _batch, beta, _dw[k], _scratch, Threads);
            // −c_k = 1 (the standard energy) leaves ΔW as it is: no pass over the weights
            if (-e.Coupling[k] != 1f) TensorPrimitives.Multiply(_dw[k].Data, -e.Coupling[k], _dw[k].Data);
        }
        for (int j = 1; j < _layers; j++)
        {
            // Δb_j = −m_j·mean(ρ_j^β − ρ_j⁰)/β
            var diff = _scratch.AsSpan(0, _batch * _n[j]);
            TensorPrimitives.Subtract(Live(_nudged[j]), Live(_free[j]), diff);
            Activations.ColumnMean(diff, _batch, _preMean[j]);
            TensorPrimitives.MultiplyAdd(_preMean[j], -e.Bias[j] * p.LearningRates[j - 1] / beta, Biases[j], Biases[j]);
        }
        long t0 = Stopwatch.GetTimestamp();
        if (_sbp is not null)
        {
            _sbp.Threads = Threads;
            SynapticOps += _sbp.ApplyToNetwork(_dw, p.Sbp!, _free, _batch, _preMean);
        }
        _sbpTicks = Stopwatch.GetTimestamp() - t0;
        Clock?.Add(RunPhase.Sbp, _sbpTicks);
        SynapticOps += WeightUpdate.Apply(Weights, _dw, p.LearningRates, Constraints, Biases, p.CheckInvariants, Threads, inputApplied ? 1 : 0);
    }

    /// <summary>
    /// W_0 += α_0·ΔW_0 with ΔW_0 = ρ_0ᵀ(ρ_1^β − ρ_1⁰)/(βB) formed row by row and never stored, where that gives the bits
    /// of forming it and then updating (<see cref="GemmSparseA.TransposedUpdate"/>): a mostly-zero clamped input that the
    /// product would take event-driven, no SBP operator and no constraints on W_0 (both act on the stored ΔW_0), the
    /// standard coupling (−c_0 = 1), a finite 1/(βB). Saves writing and reading the largest layer's change. Returns
    /// whether it applied the change (<see cref="WeightChange"/>(0) then holds an older one). It runs before the other
    /// layers' changes and the biases: when W_0 diverges the run stops there, with the biases of that batch not applied.
    /// </summary>
    private bool ApplyInputChange(float beta)
    {
        int n0 = _n[0], n1 = _n[1];
        float scale = 1f / (beta * _batch);
        if (_sbp is not null || !Constraints[0].IsNone || -Energy.Coupling[0] != 1f || _batch > Gemm.Kc || n1 < GemmSparseA.MinColumns
            || !float.IsFinite(scale) || !GemmSparseA.Worthwhile(Transpose.Yes, _free[0].Data, n0, n0, _batch))
            return false;
        var diff = _scratch.AsSpan(0, _batch * n1);
        TensorPrimitives.Subtract(Live(_nudged[1]), Live(_free[1]), diff);
        var w = Weights[0];
        // split between threads from the size at which the update pass it replaces would split
        int parts = (long)n0 * n1 >= ScaledUpdate.ParallelElements ? Threads : 1;
        if (!GemmSparseA.TransposedUpdate(n0, n1, _batch, scale, _free[0].Data, n0, _scratch, n1, w.Data, Parameters.LearningRates[0], Divergence.MaxMagnitude, parts))
            Divergence.Ensure(w.Data, $"weight layer 0 ({w.Rows}x{w.Cols})");
        SynapticOps += (long)n0 * n1 * _batch;
        return true;
    }

    /// <summary>The energy of the current free state of the batch, per sample.</summary>
    public double FreeEnergy()
    {
        var biases = Biases;
        return Energy.Value(_free, Weights, biases, _batch, _scratch, Threads) / _batch;
    }

    /// <summary>Test hook: the weight change the last batch produced (before the learning rate); layer 0's only where it was stored (<see cref="ApplyInputChange"/>).</summary>
    internal Matrix WeightChange(int k) => _dw[k];
}
