using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sbp.Core.Numerics;

/// <summary>How the spiking network's σ(x) = tanh(x/2) is computed.</summary>
public enum TanhForm
{
    /// <summary>The bits of System.Numerics.Tensors' TensorPrimitives.Tanh (<see cref="Tanh"/>): every record so far.</summary>
    Exact,
    /// <summary>
    /// Single precision throughout (<see cref="FastTanh"/>): within 2⁻²² of Exact, about half its vector operations; in
    /// the spiking network's fused kernels 8–12% less time per epoch on average, 16–22% in direct alternation
    /// (docs/speed.md).
    /// </summary>
    Fast,
}

/// <summary>
/// A tanh form as a type parameter, so that the fused kernels are compiled once per form with its lanes inlined
/// (<see cref="ExactTanhLanes"/>, <see cref="FastTanhLanes"/>).
/// </summary>
internal interface ITanhLanes
{
    /// <summary>tanh of every lane of a register.</summary>
    static abstract TV Of<TV>(TV x) where TV : struct, ISimdFloat<TV>;
    /// <summary>tanh of one value, for spans too short for any register or without vector hardware.</summary>
    static abstract float Scalar(float x);
}

/// <summary><see cref="TanhForm.Exact"/>.</summary>
internal readonly struct ExactTanhLanes : ITanhLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Of<TV>(TV x) where TV : struct, ISimdFloat<TV> => Tanh.Lanes(x);
    // the C library's tanhf below 4 values, as TensorPrimitives.Tanh does
    public static float Scalar(float x) => MathF.Tanh(x);
}

/// <summary><see cref="TanhForm.Fast"/>.</summary>
internal readonly struct FastTanhLanes : ITanhLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Of<TV>(TV x) where TV : struct, ISimdFloat<TV> => FastTanh.Lanes(x);
    // the fast form's own operations, so its bits do not depend on the path
    public static float Scalar(float x) => FastTanh.Scalar(x);
}

/// <summary>Helpers shared by the kernels that take tanh in their own registers.</summary>
internal static class TanhLanes
{
    /// <summary>y = tanh(x) in the given form; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Compute(TanhForm form, ReadOnlySpan<float> x, Span<float> y)
    {
        if (form == TanhForm.Fast) FastTanh.Compute(x, y);
        else Tanh.Compute(x, y);
    }

    /// <summary>
    /// y = tanh(x) in the form TF over a span (<see cref="Tanh.Compute"/>, <see cref="FastTanh.Compute"/>): 512-bit
    /// registers from 16 values where they run in hardware, else 256 from 8, 128 from 4, else TF's scalar form.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute<TF>(ReadOnlySpan<float> x, Span<float> y) where TF : struct, ITanhLanes
    {
        int n = x.Length;
        if (y.Length < n) throw new ArgumentException($"room for {n} values expected, got {y.Length}");
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        if (n >= 16 && F512.IsAccelerated) Vectors<F512, TF>(n, ref rx, ref ry);
        else if (n >= 8 && F256.IsAccelerated) Vectors<F256, TF>(n, ref rx, ref ry);
        else if (n >= 4 && F128.IsAccelerated) Vectors<F128, TF>(n, ref rx, ref ry);
        else
            for (int i = 0; i < n; i++) Unsafe.Add(ref ry, i) = TF.Scalar(Unsafe.Add(ref rx, i));
    }

    /// <summary>Every register of n ≥ TV.Count values, the last one overlapping the one before it where n is not a multiple.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Vectors<TV, TF>(int n, ref float rx, ref float ry) where TV : struct, ISimdFloat<TV> where TF : struct, ITanhLanes
    {
        int w = TV.Count;
        // the last (possibly overlapping) register from the inputs, before any output overwrites them in place
        var last = TF.Of(TV.Load(ref rx, (nuint)(n - w)));
        int i = 0;
        for (; i + w <= n; i += w) TF.Of(TV.Load(ref rx, (nuint)i)).Store(ref ry, (nuint)i);
        if (i < n) last.Store(ref ry, (nuint)(n - w));
    }

    /// <summary>
    /// x ← tanh(x) in place for fewer than TV.Count values, on one register padded with zeros: the same per-lane formula
    /// as a whole register (for the tails of kernels that take tanh in their own registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tail<TV, TF>(Span<float> x) where TV : struct, ISimdFloat<TV> where TF : struct, ITanhLanes
    {
        if (x.Length > 16) throw new ArgumentException($"at most 16 values expected, got {x.Length}");
        Span<float> pad = stackalloc float[16];
        pad.Clear();
        x.CopyTo(pad);
        ref float rp = ref MemoryMarshal.GetReference(pad);
        TF.Of(TV.Load(ref rp, 0)).Store(ref rp, 0);
        pad[..x.Length].CopyTo(x);
    }
}
