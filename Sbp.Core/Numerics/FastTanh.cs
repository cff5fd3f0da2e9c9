using System.Runtime.CompilerServices;

namespace Sbp.Core.Numerics;

/// <summary>
/// The hyperbolic tangent in single precision throughout (<see cref="TanhForm.Fast"/>), per element:
///   a = min(|x|, 10)                         (tanh(10) rounds to 1 in single precision)
///   n = round(−2a·log₂e);  r = −2a − n·ln 2  (ln 2 in two parts, so r is nearly exact; |r| ≤ ln 2 / 2)
///   e = e^(−2a) = 2ⁿ·(1 + r + r²/2! + … + r⁷/7!)  (the Taylor polynomial: truncation below 10⁻⁸ relative)
///   tanh(x) = sign(x)·(1 − e)/(1 + e)
/// Every operation one single-precision IEEE operation or fused multiply-add, the same at every register width and in
/// the scalar loop, so the bits do not depend on the machine. Against <see cref="Tanh"/> (whose exponential works in
/// double precision, about twice the vector operations) it differs by at most 2⁻²² (checked in the tests over the range
/// the network meets), far below the network's noise, but it is not bitwise the same: a run with it is a different
/// configuration.
/// </summary>
public static class FastTanh
{
    /// <summary>y = tanh(x); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Compute(ReadOnlySpan<float> x, Span<float> y) => TanhLanes.Compute<FastTanhLanes>(x, y);

    // the clamp also keeps n in [−29, 0], so 2ⁿ·p is a normal number and TimesPowerOfTwo may add n to p's exponent
    private const float Clamp = 10f, Log2E = 1.44269504f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    // 1.5·2²³: adding it rounds a number of magnitude below 2²² to an integer
    private const float RoundingShift = 12582912f;
    private const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    /// <summary>tanh of every lane, by the formula above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Lanes<TV>(TV x) where TV : struct, ISimdFloat<TV>
    {
        var a = TV.Abs(x);
        // a NaN stays NaN: the comparison is false for it
        a = TV.Select(TV.GreaterThan(a, TV.Splat(Clamp)), TV.Splat(Clamp), a);
        var y = a * TV.Splat(-2f);
        var n = TV.FusedMultiplyAdd(y, TV.Splat(Log2E), TV.Splat(RoundingShift)) - TV.Splat(RoundingShift);
        var r = TV.FusedMultiplyAdd(n, TV.Splat(-Ln2High), y);
        r = TV.FusedMultiplyAdd(n, TV.Splat(-Ln2Low), r);
        var p = TV.FusedMultiplyAdd(TV.Splat(C7), r, TV.Splat(C6));
        p = TV.FusedMultiplyAdd(p, r, TV.Splat(C5));
        p = TV.FusedMultiplyAdd(p, r, TV.Splat(C4));
        p = TV.FusedMultiplyAdd(p, r, TV.Splat(C3));
        p = TV.FusedMultiplyAdd(p, r, TV.Splat(C2));
        p = TV.FusedMultiplyAdd(p, r, TV.Splat(1f));
        p = TV.FusedMultiplyAdd(p, r, TV.Splat(1f));
        var e = TV.TimesPowerOfTwo(p, n);
        var one = TV.Splat(1f);
        return TV.XorSign((one - e) / (one + e), x);
    }

    /// <summary>tanh(x), the operations of <see cref="Lanes{TV}"/> on one value.</summary>
    internal static float Scalar(float x)
    {
        float a = MathF.Abs(x);
        a = a > Clamp ? Clamp : a;
        float y = a * -2f;
        float n = MathF.FusedMultiplyAdd(y, Log2E, RoundingShift) - RoundingShift;
        float r = MathF.FusedMultiplyAdd(n, -Ln2High, y);
        r = MathF.FusedMultiplyAdd(n, -Ln2Low, r);
        float p = MathF.FusedMultiplyAdd(C7, r, C6);
        p = MathF.FusedMultiplyAdd(p, r, C5);
        p = MathF.FusedMultiplyAdd(p, r, C4);
        p = MathF.FusedMultiplyAdd(p, r, C3);
        p = MathF.FusedMultiplyAdd(p, r, C2);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        float e = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(p) + ((int)n << 23));
        float t = (1f - e) / (1f + e);
        return BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(t) ^ (BitConverter.SingleToInt32Bits(x) & int.MinValue));
    }
}
