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
    /// <summary>y = tanh(x) over a span, the same bits per element as <see cref="Of{TV}"/>.</summary>
    static abstract void Compute(ReadOnlySpan<float> x, Span<float> y);
}

/// <summary><see cref="TanhForm.Exact"/>.</summary>
internal readonly struct ExactTanhLanes : ITanhLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Of<TV>(TV x) where TV : struct, ISimdFloat<TV> => Tanh.Lanes(x);
    public static void Compute(ReadOnlySpan<float> x, Span<float> y) => Tanh.Compute(x, y);
}

/// <summary><see cref="TanhForm.Fast"/>.</summary>
internal readonly struct FastTanhLanes : ITanhLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Of<TV>(TV x) where TV : struct, ISimdFloat<TV> => FastTanh.Lanes(x);
    public static void Compute(ReadOnlySpan<float> x, Span<float> y) => FastTanh.Compute(x, y);
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
