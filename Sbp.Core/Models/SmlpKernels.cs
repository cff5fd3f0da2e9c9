using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

using Sbp.Core.Numerics;

namespace Sbp.Core.Models;

/// <summary>
/// The per-step element-wise passes of the spiking MLP, each one pass over memory (Vector256, scalar tail), with the
/// same operations in the same order as the plain loops of <see cref="Reference.ScalarSmlpKernels"/> (no fused
/// multiply-add), so the results are bitwise the oracle's:
///   LeakSpike:            m = (0.2·m_{t−1})·(1 − s_{t−1}) + a − 0.1  (m = a − 0.1 at t = 0);  s = H(m − θ)
///   BackwardRectangular:  ds = ∂L/∂s − (0.2·m)·dm';  dm = ds·[|m − θ| &lt; w] + (0.2·(1 − s))·dm';  ∂L/∂a = (dm·a)·(1 − a)
///                         (dm' the next step's ∂L/∂m, overwritten by dm)
///   Bernoulli code:       x = [u·2⁻²⁴ &lt; p] for p &gt; 0, u the top 24 bits of the generator's next draw, drawn only for
///                         p &gt; 0 in row-major order (step, sample, pixel); as integers u &lt; ⌈p·2²⁴⌉, the threshold
///                         fixed per pixel for all steps of a batch.
/// </summary>
public static class SmlpKernels
{
    /// <summary>m ← decay·mPrev·(1 − sPrev) + a − offset (a − offset when mPrev is empty); s ← m &gt; θ ? 1 : 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakSpike(ReadOnlySpan<float> a, ReadOnlySpan<float> mPrev, ReadOnlySpan<float> sPrev, Span<float> m, Span<float> s,
        float decay, float offset, float threshold)
    {
        int n = a.Length;
        bool first = mPrev.IsEmpty;
        if (m.Length < n || s.Length < n || (!first && (mPrev.Length < n || sPrev.Length < n)))
            throw new ArgumentException($"LeakSpike: every span must hold {n} values");
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rm = ref MemoryMarshal.GetReference(m);
        ref float rs = ref MemoryMarshal.GetReference(s);
        ref float rmp = ref MemoryMarshal.GetReference(mPrev);
        ref float rsp = ref MemoryMarshal.GetReference(sPrev);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vd = Vector256.Create(decay); var vo = Vector256.Create(offset); var vt = Vector256.Create(threshold);
            var one = Vector256<float>.One; var zero = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                var va = Vector256.LoadUnsafe(ref ra, (nuint)i);
                var vm = first
                    ? va - vo
                    : vd * Vector256.LoadUnsafe(ref rmp, (nuint)i) * (one - Vector256.LoadUnsafe(ref rsp, (nuint)i)) + va - vo;
                vm.StoreUnsafe(ref rm, (nuint)i);
                Vector256.ConditionalSelect(Vector256.GreaterThan(vm, vt), one, zero).StoreUnsafe(ref rs, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float v = first ? Unsafe.Add(ref ra, i) - offset
                : decay * Unsafe.Add(ref rmp, i) * (1f - Unsafe.Add(ref rsp, i)) + Unsafe.Add(ref ra, i) - offset;
            Unsafe.Add(ref rm, i) = v;
            Unsafe.Add(ref rs, i) = v > threshold ? 1f : 0f;
        }
    }

    /// <summary>One step of BPTT through the LIF neuron with the rectangular surrogate (see the type's equations).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardRectangular(ReadOnlySpan<float> dS, ReadOnlySpan<float> m, ReadOnlySpan<float> s, ReadOnlySpan<float> a,
        Span<float> dmNext, Span<float> dm, Span<float> dA, float decay, float threshold, float halfWidth)
    {
        int n = dS.Length;
        if (m.Length < n || s.Length < n || a.Length < n || dmNext.Length < n || dm.Length < n || dA.Length < n)
            throw new ArgumentException($"BackwardRectangular: every span must hold {n} values");
        ref float rds = ref MemoryMarshal.GetReference(dS);
        ref float rm = ref MemoryMarshal.GetReference(m);
        ref float rs = ref MemoryMarshal.GetReference(s);
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rn = ref MemoryMarshal.GetReference(dmNext);
        ref float rdm = ref MemoryMarshal.GetReference(dm);
        ref float rda = ref MemoryMarshal.GetReference(dA);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vd = Vector256.Create(decay); var vt = Vector256.Create(threshold); var vw = Vector256.Create(halfWidth);
            var one = Vector256<float>.One; var zero = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                var vm = Vector256.LoadUnsafe(ref rm, (nuint)i);
                var vn = Vector256.LoadUnsafe(ref rn, (nuint)i);
                var ds = Vector256.LoadUnsafe(ref rds, (nuint)i) - vd * vm * vn;
                var deriv = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(vm - vt), vw), one, zero);
                var d = ds * deriv + vd * (one - Vector256.LoadUnsafe(ref rs, (nuint)i)) * vn;
                var va = Vector256.LoadUnsafe(ref ra, (nuint)i);
                d.StoreUnsafe(ref rdm, (nuint)i);
                d.StoreUnsafe(ref rn, (nuint)i);
                (d * va * (one - va)).StoreUnsafe(ref rda, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float mi = Unsafe.Add(ref rm, i), ni = Unsafe.Add(ref rn, i);
            float ds = Unsafe.Add(ref rds, i) - decay * mi * ni;
            float d = ds * (MathF.Abs(mi - threshold) < halfWidth ? 1f : 0f) + decay * (1f - Unsafe.Add(ref rs, i)) * ni;
            float ai = Unsafe.Add(ref ra, i);
            Unsafe.Add(ref rdm, i) = d;
            Unsafe.Add(ref rn, i) = d;
            Unsafe.Add(ref rda, i) = d * ai * (1f - ai);
        }
    }

    /// <summary>
    /// The pixels of one sample that can fire (p &gt; 0) and their integer thresholds ⌈p·2²⁴⌉ (2²⁴ for p ≥ 1: always);
    /// returns their count.
    /// </summary>
    public static int BernoulliThresholds(ReadOnlySpan<float> p, Span<int> index, Span<uint> threshold)
    {
        if (index.Length < p.Length || threshold.Length < p.Length) throw new ArgumentException($"BernoulliThresholds: room for {p.Length} pixels expected");
        int count = 0;
        for (int j = 0; j < p.Length; j++)
        {
            float v = p[j];
            if (!(v > 0f)) continue;
            index[count] = j;
            threshold[count] = v >= 1f ? 1u << 24 : (uint)MathF.Ceiling(v * 16777216f);
            count++;
        }
        return count;
    }

    /// <summary>
    /// The uniforms of the Bernoulli code: u[e] ← the top 24 bits of the generator's next draw, one draw per element in
    /// order (drawn ahead for all steps and samples of a batch, so that the spikes can be set per part of the batch).
    /// </summary>
    public static void BernoulliUniforms(Rng rng, Span<uint> u)
    {
        for (int e = 0; e < u.Length; e++) u[e] = (uint)(rng.NextUInt64() >> 40);
    }

    /// <summary>One step's spikes of one sample: x ← 0, then x[index[e]] = [u[e] &lt; threshold[e]].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BernoulliSpikes(ReadOnlySpan<int> index, ReadOnlySpan<uint> threshold, ReadOnlySpan<uint> u, Span<float> x)
    {
        if (threshold.Length < index.Length || u.Length < index.Length) throw new ArgumentException($"BernoulliSpikes: {index.Length} thresholds and uniforms expected");
        x.Clear();
        ref float rx = ref MemoryMarshal.GetReference(x);
        for (int e = 0; e < index.Length; e++)
        {
            int j = index[e];
            if ((uint)j >= (uint)x.Length) throw new ArgumentOutOfRangeException(nameof(index), $"pixel {j} outside a row of {x.Length}");
            Unsafe.Add(ref rx, j) = u[e] < threshold[e] ? 1f : 0f;
        }
    }
}
