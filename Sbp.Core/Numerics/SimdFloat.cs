using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>
/// A SIMD register of single-precision values as a type parameter, so that a kernel is written once and compiled
/// for each width (<see cref="F512"/>, <see cref="F256"/>): the JIT specialises a generic method for each struct and
/// inlines these members, so the machine code is that of the kernel written with <see cref="Vector512{T}"/> or
/// <see cref="Vector256{T}"/> directly. Every operation is one per-lane IEEE operation (a fused multiply-add only where
/// a kernel asks for it by name), so a kernel gives the same bits at every width and as its scalar loop.
/// </summary>
internal interface ISimdFloat<TSelf> where TSelf : struct, ISimdFloat<TSelf>
{
    /// <summary>Lanes per register.</summary>
    static abstract int Count { get; }
    /// <summary>Whether this width runs in hardware on this machine.</summary>
    static abstract bool IsAccelerated { get; }
    /// <summary>Every lane x.</summary>
    static abstract TSelf Splat(float x);
    /// <summary>Lane i holds i (0, 1, …, Count − 1).</summary>
    static abstract TSelf Indices { get; }
    /// <summary>Count lanes from r[offset].</summary>
    static abstract TSelf Load(ref float r, nuint offset);
    /// <summary>Stores the lanes at r[offset].</summary>
    void Store(ref float r, nuint offset);
    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a);
    static abstract TSelf operator /(TSelf a, TSelf b);
    /// <summary>a·b + c with one rounding (the hardware's fused multiply-add).</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);
    /// <summary>The correctly rounded square root of every lane.</summary>
    static abstract TSelf Sqrt(TSelf a);
    /// <summary>|a| of every lane.</summary>
    static abstract TSelf Abs(TSelf a);
    /// <summary>eᵃ of every lane: the runtime's vector exponential (its bits at every width).</summary>
    static abstract TSelf Exp(TSelf a);
    /// <summary>Every lane of <paramref name="a"/> with its sign bit flipped where <paramref name="sign"/>'s is set.</summary>
    static abstract TSelf XorSign(TSelf a, TSelf sign);
    /// <summary>A mask of the lanes where a &gt; b.</summary>
    static abstract TSelf GreaterThan(TSelf a, TSelf b);
    /// <summary>Per lane: mask ? a : b.</summary>
    static abstract TSelf Select(TSelf mask, TSelf a, TSelf b);
    /// <summary>
    /// p·2ⁿ of every lane, n an integral value, by adding n to p's exponent bits (the caller keeps the result normal).
    /// </summary>
    static abstract TSelf TimesPowerOfTwo(TSelf p, TSelf n);
    /// <summary>The number of lanes set in a mask.</summary>
    int SetLanes();
}

/// <summary>512 bits: 16 lanes.</summary>
internal readonly struct F512(Vector512<float> v) : ISimdFloat<F512>
{
    private readonly Vector512<float> _v = v;
    public static int Count => Vector512<float>.Count;
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 Splat(float x) => new(Vector512.Create(x));
    public static F512 Indices => new(Vector512<float>.Indices);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 Load(ref float r, nuint offset) => new(Vector512.LoadUnsafe(ref r, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float r, nuint offset) => _v.StoreUnsafe(ref r, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 operator +(F512 a, F512 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 operator -(F512 a, F512 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 operator *(F512 a, F512 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 operator -(F512 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 operator /(F512 a, F512 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 Sqrt(F512 a) => new(Vector512.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 FusedMultiplyAdd(F512 a, F512 b, F512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 Abs(F512 a) => new(Vector512.Abs(a._v));
    /// <summary>
    /// The runtime's single-precision vector exponential, operation for operation, written out so that it is inlined
    /// into the kernel (the runtime's own is a call per register). Each lane widened to double:
    ///   z = a·log₂e;  n = round(z) (by adding and subtracting 1.5·2⁵²);  r = z − n;
    ///   2^r ≈ p(r) = fma(r⁴, fma(c₆, r, c₅), fma(r², fma(c₄, r, c₃), fma(c₂, r, c₁)));  eᵃ = p(r) with n added to its exponent
    /// then rounded to single precision; where |a| &gt; 87: +∞ above 88.72284, +0 below −103.97208.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static F512 Exp(F512 a)
    {
        var x = a._v;
        var (lower, upper) = Vector512.Widen(x);
        var e = Vector512.Narrow(PowerOfTwo(lower), PowerOfTwo(upper));
        if (Vector512.GreaterThanAny(Vector512.Abs(x).AsUInt32(), Vector512.Create(0x42AE0000u)))
        {
            e = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(88.72284f)), Vector512.Create(float.PositiveInfinity), e);
            e = Vector512.AndNot(e, Vector512.LessThan(x, Vector512.Create(-103.97208f)));
        }
        return new(e);
    }

    /// <summary>e^x = 2^(x·log₂e) of every double lane, by the polynomial of <see cref="Exp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> PowerOfTwo(Vector512<double> x)
    {
        var z = x * Vector512.Create(1.4426950408889634);
        var shift = Vector512.Create(6755399441055744.0);
        var shifted = z + shift;
        var r = z - (shifted - shift);
        var r2 = r * r;
        var r4 = r2 * r2;
        var p = Vector512.FusedMultiplyAdd(r4, Vector512.FusedMultiplyAdd(Vector512.Create(0.001341000536524434), r, Vector512.Create(0.009676036358193323)),
            Vector512.FusedMultiplyAdd(r2, Vector512.FusedMultiplyAdd(Vector512.Create(0.05550297297702539), r, Vector512.Create(0.2402210737432219)),
                Vector512.FusedMultiplyAdd(Vector512.Create(0.6931472254087585), r, Vector512.Create(1.0000000754895704))));
        // the low bits of the shifted sum hold n: n·2⁵² added to the bits of p(r) multiplies it by 2ⁿ
        return (p.AsUInt64() + (shifted.AsUInt64() << 52)).AsDouble();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 TimesPowerOfTwo(F512 p, F512 n) => new((p._v.AsInt32() + (Vector512.ConvertToInt32Native(n._v) << 23)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 XorSign(F512 a, F512 sign) => new((a._v.AsUInt32() ^ (sign._v.AsUInt32() & Vector512.Create(0x80000000u))).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 GreaterThan(F512 a, F512 b) => new(Vector512.GreaterThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 Select(F512 mask, F512 a, F512 b) => new(Vector512.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public int SetLanes() => BitOperations.PopCount(_v.ExtractMostSignificantBits());
}

/// <summary>256 bits: 8 lanes.</summary>
internal readonly struct F256(Vector256<float> v) : ISimdFloat<F256>
{
    private readonly Vector256<float> _v = v;
    public static int Count => Vector256<float>.Count;
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 Splat(float x) => new(Vector256.Create(x));
    public static F256 Indices => new(Vector256<float>.Indices);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 Load(ref float r, nuint offset) => new(Vector256.LoadUnsafe(ref r, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float r, nuint offset) => _v.StoreUnsafe(ref r, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 operator +(F256 a, F256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 operator -(F256 a, F256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 operator *(F256 a, F256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 operator -(F256 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 operator /(F256 a, F256 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 Sqrt(F256 a) => new(Vector256.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 FusedMultiplyAdd(F256 a, F256 b, F256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 Abs(F256 a) => new(Vector256.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 Exp(F256 a) => new(Vector256.Exp(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 TimesPowerOfTwo(F256 p, F256 n) => new((p._v.AsInt32() + (Vector256.ConvertToInt32Native(n._v) << 23)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 XorSign(F256 a, F256 sign) => new((a._v.AsUInt32() ^ (sign._v.AsUInt32() & Vector256.Create(0x80000000u))).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 GreaterThan(F256 a, F256 b) => new(Vector256.GreaterThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F256 Select(F256 mask, F256 a, F256 b) => new(Vector256.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public int SetLanes() => BitOperations.PopCount(_v.ExtractMostSignificantBits());
}

/// <summary>128 bits: 4 lanes.</summary>
internal readonly struct F128(Vector128<float> v) : ISimdFloat<F128>
{
    private readonly Vector128<float> _v = v;
    public static int Count => Vector128<float>.Count;
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 Splat(float x) => new(Vector128.Create(x));
    public static F128 Indices => new(Vector128<float>.Indices);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 Load(ref float r, nuint offset) => new(Vector128.LoadUnsafe(ref r, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float r, nuint offset) => _v.StoreUnsafe(ref r, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 operator +(F128 a, F128 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 operator -(F128 a, F128 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 operator *(F128 a, F128 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 operator -(F128 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 operator /(F128 a, F128 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 Sqrt(F128 a) => new(Vector128.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 FusedMultiplyAdd(F128 a, F128 b, F128 c) => new(Vector128.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 Abs(F128 a) => new(Vector128.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 Exp(F128 a) => new(Vector128.Exp(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 TimesPowerOfTwo(F128 p, F128 n) => new((p._v.AsInt32() + (Vector128.ConvertToInt32Native(n._v) << 23)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 XorSign(F128 a, F128 sign) => new((a._v.AsUInt32() ^ (sign._v.AsUInt32() & Vector128.Create(0x80000000u))).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 GreaterThan(F128 a, F128 b) => new(Vector128.GreaterThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 Select(F128 mask, F128 a, F128 b) => new(Vector128.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public int SetLanes() => BitOperations.PopCount(_v.ExtractMostSignificantBits());
}
