using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Sbp.Core.Numerics;

namespace Sbp.Core.Plasticity;

/// <summary>How SBP treats the base change of layers other than the output weight.</summary>
public enum SbpMode
{
    /// <summary>Every layer has its own base change; SBP rescales it (the paper's SNN and ANN).</summary>
    Modulate,
    /// <summary>Only the output weight has a base change; upstream changes are synthesised from downstream ones.</summary>
    Replace,
}

/// <summary>What the propagation range r means.</summary>
public enum RangeMode
{
    /// <summary>The reference: N(r·v) = N(v), so r has no effect.</summary>
    Reference,
    /// <summary>Only the ⌈r·n⌉ neurons with the largest modification propagate; the others get factor 1.</summary>
    TopFraction,
}

/// <summary>Parameters of the SBP operator (docs/SBP-SPEC.md §3; defaults = the reference).</summary>
/// <param name="Fraction">Strength f of the propagated modification (default 0.2; ≥ 0; in modulate mode 0 leaves the base change as it is).</param>
/// <param name="Range">Propagation range r in (0, 1] (default 0.1; without effect under <see cref="RangeMode.Reference"/>).</param>
/// <param name="LambdaPre">λ_pre: weight of the presynaptic (row) lateral terms a± (default 1; ≥ 0).</param>
/// <param name="LambdaPost">λ_post: weight of the postsynaptic (column) lateral term c⁻ (default 0.5; ≥ 0).</param>
/// <param name="LambdaBp">λ_bp: weight of the backward terms e± from the layer above (default 1; ≥ 0).</param>
/// <param name="Depth">How many weight layers upstream a modification travels (default 1, the paper; 0 = lateral terms only).</param>
/// <param name="Mode">Whether SBP rescales every layer's own change or synthesises upstream changes (default: modulate).</param>
/// <param name="RangeMode">What <paramref name="Range"/> means (default: the reference, where it has no effect).</param>
public sealed record SbpParameters(
    float Fraction = 0.2f,
    float Range = 0.1f,
    float LambdaPre = 1f,
    float LambdaPost = 0.5f,
    float LambdaBp = 1f,
    int Depth = 1,
    SbpMode Mode = SbpMode.Modulate,
    RangeMode RangeMode = RangeMode.Reference)
{
    /// <summary>The largest fraction f and strength λ accepted (the reference: f = 0.2, λ ≤ 1; a factor beyond
    /// 1 + 1000·1000 only saturates every weight within a batch).</summary>
    public const float MaxStrength = 1000f;

    /// <summary>Every reason these parameters cannot run, empty when they can.</summary>
    public IEnumerable<string> Problems()
    {
        if (!(Fraction >= 0 && Fraction <= MaxStrength)) yield return $"SBP fraction f must lie in [0, {MaxStrength}] (got {Fraction})";
        if (!(Range > 0 && Range <= 1)) yield return $"SBP range r must lie in (0, 1] (got {Range})";
        if (!(LambdaPre >= 0 && LambdaPre <= MaxStrength) || !(LambdaPost >= 0 && LambdaPost <= MaxStrength) || !(LambdaBp >= 0 && LambdaBp <= MaxStrength))
            yield return $"SBP strengths λ must lie in [0, {MaxStrength}] (pre {LambdaPre}, post {LambdaPost}, bp {LambdaBp})";
        if (Depth < 0) yield return $"SBP depth must be ≥ 0 (got {Depth})";
    }
}

/// <summary>
/// The SBP operator (docs/SBP-SPEC.md §3). Input: the base change ΔW_ℓ (n_ℓ x n_{ℓ+1}, rows presynaptic) of every weight
/// layer; output, in place: the propagated change ΔW'_ℓ. With P = max(ΔW, 0), D = min(ΔW, 0) and
/// N(v) = v/Σv (v unchanged when Σv = 0):
///   a⁺ = 1 + λ_pre·f·N(r·rowsum P)     a⁻ = 1 + λ_pre·f·N(r·|rowsum D|)     c⁻ = 1 + λ_post·f·N(r·|colsum D|)
///   Â⁺ = diag(a⁺)P,  Â⁻ = diag(a⁻)D,  Ĉ⁻ = D·diag(c⁻)
///   output weight, or depth 0:  ΔW' = Â⁺ + (Â⁻ + Ĉ⁻)/2
///   other layers (depth ≥ 1):   e± = 1 + λ_bp·f·N(r·rowsum S±_{ℓ+1}),  Ê⁺ = P·diag(e⁺),  Ê⁻ = D·diag(e⁻)
///                               ΔW' = (Â⁺ + Ê⁺)/2 + (Â⁻ + Ĉ⁻ + Ê⁻)/3,  NaN → 0
/// S±_m is what layer m sends upstream: with depth budget d ≤ 1 (or m the output weight) S± = Â±_m, the paper;
/// with d ≥ 2, S± = (Â±_m + Ê±_m)/2 where Ê±_m uses S±_{m+1} with budget d − 1, so a modification travels up to
/// `Depth` layers upstream, and depth k differs from depth k − 1 only in networks with more than k weight layers.
/// Replace mode: the output weight gets its lateral change; a layer within `Depth` layers of it gets
/// ΔW'_ℓ[i, j] = λ_bp·ā_i·Σ_k ΔW'_{ℓ+1}[j, k] (ā = the batch-mean presynaptic activity), the others no change.
/// Range mode TopFraction keeps, before N, only the ⌈r·n⌉ largest entries of v (by magnitude).
/// </summary>
public sealed class SelfBackpropagation
{
    private readonly int[] _sizes;
    private readonly int _layers;
    private readonly float[][] _rsP, _rsD, _csD, _aPlus, _aMinus, _cMinus, _ePlus, _eMinus, _scratch;
    private readonly List<(float[] Plus, float[] Minus, bool Valid)[]> _sent = [];
    private readonly Action<int> _runPart;
    private Matrix? _partMatrix;
    private int _partLayer, _parts;
    private Pass _pass;

    /// <summary>The passes over a layer's ΔW that <see cref="InParts"/> splits between threads.</summary>
    private enum Pass { Sums, Lateral, Full }

    /// <summary>A ΔW with at least this many elements has its passes split between threads.</summary>
    private const int ParallelElements = 1 << 16;

    /// <summary>
    /// Threads the passes over a large ΔW may use (default 1; 0: all cores). Each sum and each element is computed by
    /// one thread in the order of one, so the result does not depend on it.
    /// </summary>
    public int Threads { get; set; } = 1;

    /// <summary>An operator for a network with the given neuron-layer sizes (weight layers = sizes − 1).</summary>
    public SelfBackpropagation(int[] layerSizes)
    {
        if (layerSizes.Length < 2) throw new ArgumentException("SBP needs at least one weight layer");
        _sizes = (int[])layerSizes.Clone();
        _layers = layerSizes.Length - 1;
        float[][] Pre() => Enumerable.Range(0, _layers).Select(l => new float[_sizes[l]]).ToArray();
        float[][] Post() => Enumerable.Range(0, _layers).Select(l => new float[_sizes[l + 1]]).ToArray();
        _rsP = Pre(); _rsD = Pre(); _aPlus = Pre(); _aMinus = Pre();
        _csD = Post(); _cMinus = Post(); _ePlus = Post(); _eMinus = Post();
        _scratch = [new float[_sizes.Max()], new float[_sizes.Max()]];
        _runPart = RunPart;
    }

    /// <summary>
    /// Replaces every ΔW_ℓ by ΔW'_ℓ. <paramref name="preMean"/> (batch-mean activity of each weight layer's
    /// presynaptic layer) is needed in replace mode only. Returns the element operations performed.
    /// </summary>
    public long Apply(IReadOnlyList<Matrix> deltas, SbpParameters p, IReadOnlyList<float[]>? preMean = null)
    {
        if (deltas.Count != _layers) throw new ArgumentException($"{deltas.Count} weight changes for {_layers} weight layers");
        for (int l = 0; l < _layers; l++)
            if (deltas[l].Rows != _sizes[l] || deltas[l].Cols != _sizes[l + 1])
                throw new ArgumentException($"ΔW_{l} is {deltas[l].Rows}x{deltas[l].Cols}, expected {_sizes[l]}x{_sizes[l + 1]}");
        if (p.Mode == SbpMode.Replace && preMean is null) throw new ArgumentException("replace mode needs the presynaptic mean activity");
        long ops = 0;
        int last = _layers - 1;
        if (p.Mode == SbpMode.Modulate)
        {
            for (int l = 0; l < _layers; l++) ops += Factors(deltas[l], l, p);
            InvalidateSent(p.Depth);
            // upstream first: writing layer ℓ only reads the (still base) changes of layers above it
            for (int l = 0; l < _layers; l++)
            {
                if (l == last || p.Depth == 0) ops += WriteLateral(deltas[l], l);
                else
                {
                    var (plus, minus) = Sent(deltas, l + 1, p.Depth, p, ref ops);
                    Factor(plus, p.LambdaBp, p, _ePlus[l], absolute: false);
                    Factor(minus, p.LambdaBp, p, _eMinus[l], absolute: false);
                    ops += WriteFull(deltas[l], l);
                }
            }
        }
        else
        {
            ops += Factors(deltas[last], last, p);
            ops += WriteLateral(deltas[last], last);
            for (int l = last - 1; l >= 0; l--)
            {
                var w = deltas[l];
                if (last - l > p.Depth) { Array.Clear(w.Data); continue; }
                var down = deltas[l + 1];
                var m = _scratch[0].AsSpan(0, down.Rows);
                for (int j = 0; j < down.Rows; j++) m[j] = System.Numerics.Tensors.TensorPrimitives.Sum(down.Row(j));
                var a = preMean![l];
                if (a.Length != w.Rows) throw new ArgumentException($"presynaptic mean of layer {l} has {a.Length} values, expected {w.Rows}");
                for (int i = 0; i < w.Rows; i++)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(m, p.LambdaBp * a[i], w.Row(i));
                ZeroNaN(w.Data);
                ops += 2L * w.Data.Length;
            }
        }
        return ops;
    }

    /// <summary>
    /// <see cref="Apply"/> for a network whose presynaptic activities are the first <paramref name="batch"/> rows of
    /// <paramref name="states"/> (layer by layer): their batch means are computed into <paramref name="preMean"/>
    /// only in replace mode, the only mode that reads them.
    /// </summary>
    public long ApplyToNetwork(IReadOnlyList<Matrix> deltas, SbpParameters p, IReadOnlyList<Matrix> states, int batch, float[][] preMean)
    {
        if (p.Mode == SbpMode.Replace)
            for (int l = 0; l < _layers; l++)
                Activations.ColumnMean(states[l].Data.AsSpan(0, batch * states[l].Cols), batch, preMean[l]);
        return Apply(deltas, p, preMean);
    }

    /// <summary>Runs a pass over layer ℓ's ΔW, in parts on <see cref="Threads"/> threads where ΔW is large.</summary>
    private void InParts(Matrix dw, int l, Pass pass)
    {
        int threads = Threads == 0 ? Environment.ProcessorCount : Threads;
        int parts = dw.Data.Length >= ParallelElements ? Math.Clamp(threads, 1, Math.Max(1, dw.Rows / 8)) : 1;
        if (parts == 1)
        {
            RunPass(pass, dw, l, 0, 1);
            return;
        }
        (_partMatrix, _partLayer, _parts, _pass) = (dw, l, parts, pass);
        try { Team.For(parts, _runPart); }
        finally { _partMatrix = null; }
    }

    private void RunPart(int part) => RunPass(_pass, _partMatrix!, _partLayer, part, _parts);

    private void RunPass(Pass pass, Matrix dw, int l, int part, int parts)
    {
        switch (pass)
        {
            case Pass.Sums: Sums(dw, l, part, parts); break;
            case Pass.Lateral: WriteLateral(dw, l, part, parts); break;
            default: WriteFull(dw, l, part, parts); break;
        }
    }

    /// <summary>Where part <paramref name="part"/> of <paramref name="parts"/> of 0..n−1 starts: a multiple of eight (or n).</summary>
    private static int Cut(int n, int part, int parts) => part >= parts ? n : (int)((long)(n / 8) * part / parts) * 8;

    /// <summary>
    /// Row and column sums of P and D and the lateral factors a⁺, a⁻, c⁻ of layer ℓ. Every sum adds its terms in the
    /// order of the plain loop (row sums j ascending, column sums i ascending; a term that is not P's or D's adds
    /// nothing, and adding zero changes no sum): the column sums run across columns in vector registers, the row sums
    /// of eight rows at a time, one row per lane, without branches.
    /// </summary>
    private long Factors(Matrix dw, int l, SbpParameters p)
    {
        var rsP = _rsP[l]; var rsD = _rsD[l]; var csD = _csD[l];
        Array.Clear(csD);
        InParts(dw, l, Pass.Sums);
        Factor(rsP, p.LambdaPre, p, _aPlus[l], absolute: false);
        Factor(rsD, p.LambdaPre, p, _aMinus[l], absolute: true);
        Factor(csD, p.LambdaPost, p, _cMinus[l], absolute: true);
        return dw.Data.Length;
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of <see cref="Factors"/>' sums: the column sums of a range of
    /// columns and the row sums of a range of rows, both ranges cut at multiples of eight, so that every sum runs as it
    /// would in one part (each is computed by one part alone).
    /// </summary>
    private void Sums(Matrix dw, int l, int part, int parts)
    {
        var rsP = _rsP[l]; var rsD = _rsD[l]; var csD = _csD[l];
        int rows = dw.Rows, cols = dw.Cols;
        int j0 = Cut(cols, part, parts), j1 = Cut(cols, part + 1, parts);
        ref float c = ref MemoryMarshal.GetArrayDataReference(csD);
        for (int i = 0; i < rows; i++)
        {
            ref float row = ref MemoryMarshal.GetArrayDataReference(dw.Data);
            row = ref Unsafe.Add(ref row, i * cols);
            int j = j0;
            if (Vector256.IsHardwareAccelerated)
                for (; j + 8 <= j1; j += 8)
                {
                    var v = Vector256.LoadUnsafe(ref row, (nuint)j);
                    var negative = Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
                    (Vector256.LoadUnsafe(ref c, (nuint)j) + negative).StoreUnsafe(ref c, (nuint)j);
                }
            for (; j < j1; j++)
            {
                float v = Unsafe.Add(ref row, j);
                if (v < 0) Unsafe.Add(ref c, j) += v;
            }
        }
        int r0 = Cut(rows, part, parts), r1 = Cut(rows, part + 1, parts);
        if (Vector256.IsHardwareAccelerated)
            for (; r0 + 8 <= r1; r0 += 8)
            {
                // lane k is row r0 + k: its sums run j ascending, as the plain loop's
                ref float b = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(dw.Data), r0 * cols);
                var sp = Vector256<float>.Zero; var sd = Vector256<float>.Zero;
                for (int j = 0; j < cols; j++)
                {
                    var v = Vector256.Create(Unsafe.Add(ref b, j), Unsafe.Add(ref b, cols + j), Unsafe.Add(ref b, 2 * cols + j), Unsafe.Add(ref b, 3 * cols + j),
                        Unsafe.Add(ref b, 4 * cols + j), Unsafe.Add(ref b, 5 * cols + j), Unsafe.Add(ref b, 6 * cols + j), Unsafe.Add(ref b, 7 * cols + j));
                    sp += Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
                    sd += Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
                }
                sp.CopyTo(rsP.AsSpan(r0, 8));
                sd.CopyTo(rsD.AsSpan(r0, 8));
            }
        for (; r0 < r1; r0++)
        {
            var row = dw.Row(r0);
            float sp = 0, sd = 0;
            for (int j = 0; j < row.Length; j++)
            {
                float v = row[j];
                if (v > 0) sp += v;
                else if (v < 0) sd += v;
            }
            rsP[r0] = sp;
            rsD[r0] = sd;
        }
    }

    /// <summary>factor = 1 + λ·f·N(R(v)) where R applies the range (reference: r·v; top-fraction: the ⌈r·n⌉ largest).</summary>
    private void Factor(ReadOnlySpan<float> v, float lambda, SbpParameters p, Span<float> factor, bool absolute)
    {
        int n = v.Length;
        var r = _scratch[1].AsSpan(0, n);
        for (int i = 0; i < n; i++) r[i] = p.Range * (absolute ? MathF.Abs(v[i]) : v[i]);
        if (p.RangeMode == RangeMode.TopFraction) KeepLargest(r, (int)Math.Ceiling(p.Range * n));
        float sum = 0;
        for (int i = 0; i < n; i++) sum += r[i];
        float scale = lambda * p.Fraction;
        for (int i = 0; i < n; i++)
            factor[i] = 1f + scale * (sum != 0 ? r[i] / sum : r[i]);
    }

    /// <summary>Zeroes all but the k entries of largest magnitude (ties broken by position).</summary>
    private void KeepLargest(Span<float> r, int k)
    {
        int n = r.Length;
        if (k >= n) return;
        var mags = _scratch[0].AsSpan(0, n);
        for (int i = 0; i < n; i++) mags[i] = MathF.Abs(r[i]);
        mags.Sort();
        float threshold = mags[n - k];
        int above = 0;
        for (int i = 0; i < n; i++) if (MathF.Abs(r[i]) > threshold) above++;
        int tiesAllowed = k - above;
        for (int i = 0; i < n; i++)
        {
            float m = MathF.Abs(r[i]);
            if (m > threshold) continue;
            if (m == threshold && tiesAllowed > 0) { tiesAllowed--; continue; }
            r[i] = 0;
        }
    }

    private void InvalidateSent(int depth)
    {
        while (_sent.Count <= depth)
            _sent.Add(Enumerable.Range(0, _layers).Select(l => (new float[_sizes[l]], new float[_sizes[l]], false)).ToArray());
        foreach (var level in _sent)
            for (int m = 0; m < level.Length; m++) level[m].Valid = false;
    }

    /// <summary>Row sums of S⁺_m and S⁻_m with depth budget d (memoised per batch).</summary>
    private (float[] Plus, float[] Minus) Sent(IReadOnlyList<Matrix> deltas, int m, int d, SbpParameters p, ref long ops)
    {
        ref var slot = ref _sent[d][m];
        if (slot.Valid) return (slot.Plus, slot.Minus);
        var plus = slot.Plus; var minus = slot.Minus;
        var aP = _aPlus[m]; var aM = _aMinus[m];
        if (d <= 1 || m == _layers - 1)
        {
            for (int i = 0; i < plus.Length; i++) { plus[i] = aP[i] * _rsP[m][i]; minus[i] = aM[i] * _rsD[m][i]; }
        }
        else
        {
            var (downPlus, downMinus) = Sent(deltas, m + 1, d - 1, p, ref ops);
            // e± of layer m, kept locally in the scratch of the post-side buffers of layer m
            var eP = _ePlus[m]; var eM = _eMinus[m];
            Factor(downPlus, p.LambdaBp, p, eP, absolute: false);
            Factor(downMinus, p.LambdaBp, p, eM, absolute: false);
            var w = deltas[m];
            for (int i = 0; i < w.Rows; i++)
            {
                var row = w.Row(i);
                float bp = 0, bm = 0;
                for (int j = 0; j < row.Length; j++)
                {
                    float v = row[j];
                    if (v > 0) bp += v * eP[j];
                    else if (v < 0) bm += v * eM[j];
                }
                plus[i] = (aP[i] * _rsP[m][i] + bp) / 2;
                minus[i] = (aM[i] * _rsD[m][i] + bm) / 2;
            }
            ops += w.Data.Length;
        }
        slot.Valid = true;
        return (plus, minus);
    }

    /// <summary>ΔW' = Â⁺ + (Â⁻ + Ĉ⁻)/2, NaN → 0.</summary>
    private long WriteLateral(Matrix dw, int l)
    {
        InParts(dw, l, Pass.Lateral);
        return dw.Data.Length;
    }

    private void WriteLateral(Matrix dw, int l, int part, int parts)
    {
        var aP = _aPlus[l]; var aM = _aMinus[l]; var cM = _cMinus[l];
        for (int i = Cut(dw.Rows, part, parts), i1 = Cut(dw.Rows, part + 1, parts); i < i1; i++)
        {
            var row = dw.Row(i);
            float ap = aP[i], am = aM[i];
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vap = Vector256.Create(ap); var vam = Vector256.Create(am); var two = Vector256.Create(2f);
                ref float r = ref MemoryMarshal.GetReference(row);
                ref float c = ref MemoryMarshal.GetArrayDataReference(cM);
                for (; j + 8 <= row.Length; j += 8)
                {
                    var v = Vector256.LoadUnsafe(ref r, (nuint)j);
                    var neg = v * ((vam + Vector256.LoadUnsafe(ref c, (nuint)j)) / two);
                    var o = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v * vap,
                        Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), neg, v));
                    Vector256.ConditionalSelect(Vector256.Equals(o, o), o, Vector256<float>.Zero).StoreUnsafe(ref r, (nuint)j);
                }
            }
            for (; j < row.Length; j++)
            {
                float v = row[j];
                // factored as v·(factor sum)/k: with all factors 1 the base change comes back bit for bit
                float o = v > 0 ? v * ap : v < 0 ? v * ((am + cM[j]) / 2) : v;
                row[j] = float.IsNaN(o) ? 0 : o;
            }
        }
    }

    /// <summary>ΔW' = (Â⁺ + Ê⁺)/2 + (Â⁻ + Ĉ⁻ + Ê⁻)/3, NaN → 0.</summary>
    private long WriteFull(Matrix dw, int l)
    {
        InParts(dw, l, Pass.Full);
        return dw.Data.Length;
    }

    private void WriteFull(Matrix dw, int l, int part, int parts)
    {
        var aP = _aPlus[l]; var aM = _aMinus[l]; var cM = _cMinus[l]; var eP = _ePlus[l]; var eM = _eMinus[l];
        for (int i = Cut(dw.Rows, part, parts), i1 = Cut(dw.Rows, part + 1, parts); i < i1; i++)
        {
            var row = dw.Row(i);
            float ap = aP[i], am = aM[i];
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vap = Vector256.Create(ap); var vam = Vector256.Create(am);
                var two = Vector256.Create(2f); var three = Vector256.Create(3f);
                ref float r = ref MemoryMarshal.GetReference(row);
                ref float c = ref MemoryMarshal.GetArrayDataReference(cM);
                ref float ep = ref MemoryMarshal.GetArrayDataReference(eP);
                ref float em = ref MemoryMarshal.GetArrayDataReference(eM);
                for (; j + 8 <= row.Length; j += 8)
                {
                    var v = Vector256.LoadUnsafe(ref r, (nuint)j);
                    var pos = v * ((vap + Vector256.LoadUnsafe(ref ep, (nuint)j)) / two);
                    var neg = v * ((vam + Vector256.LoadUnsafe(ref c, (nuint)j) + Vector256.LoadUnsafe(ref em, (nuint)j)) / three);
                    var o = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), pos,
                        Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), neg, v));
                    Vector256.ConditionalSelect(Vector256.Equals(o, o), o, Vector256<float>.Zero).StoreUnsafe(ref r, (nuint)j);
                }
            }
            for (; j < row.Length; j++)
            {
                float v = row[j];
                float o = v > 0 ? v * ((ap + eP[j]) / 2) : v < 0 ? v * ((am + cM[j] + eM[j]) / 3) : v;
                row[j] = float.IsNaN(o) ? 0 : o;
            }
        }
    }

    private static void ZeroNaN(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++) if (float.IsNaN(x[i])) x[i] = 0;
    }
}
