using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>
/// The hyperbolic tangent of every element, the bits of System.Numerics.Tensors' <c>TensorPrimitives.Tanh</c> (whose
/// results the spiking network's records hold), faster. Per element, every operation in single precision:
///   z = e^(−2|x|) − 1;  tanh(x) = sign(x)·(−z / (z + 2))
/// with e^y the runtime's vector exponential (which gives the same bits per lane at every width). TensorPrimitives calls
/// the runtime's exponential once per register, and its 512-bit one is several times slower per element than its
/// 256-bit one on some machines (AMD Zen 4); this takes 512 bits with the exponential's operations written out and
/// inlined (<see cref="F512.Exp"/>) where they run in hardware, else 256 bits with the runtime's (128 for 4..7 values,
/// and the C library's tanhf for fewer than 4, as TensorPrimitives does), one body for every width
/// (<see cref="ISimdFloat{TSelf}"/>). Checked against TensorPrimitives.Tanh for every single-precision value
/// (scripts/check-tanh.fsx) and, in the tests, on a sample.
/// </summary>
public static class Tanh
{
    /// <summary>y = tanh(x); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Compute(ReadOnlySpan<float> x, Span<float> y) => TanhLanes.Compute<ExactTanhLanes>(x, y);

    /// <summary>z = e^(−2|x|) − 1; sign(x)·(−z/(z + 2)), the sign applied as TensorPrimitives does, by flipping the sign bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Lanes<TV>(TV x) where TV : struct, ISimdFloat<TV>
    {
        var z = TV.Exp(TV.Splat(-2f) * TV.Abs(x)) - TV.Splat(1f);
        return TV.XorSign(-z / (z + TV.Splat(2f)), x);
    }
}
