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
    /// <summary>eᵃ of every lane: the runtime's vector exponential.</summary>
    static abstract TSelf Exp(TSelf a);
    /// <summary>Every lane of <paramref name="a"/> with its sign bit flipped where <paramref name="sign"/>'s is set.</summary>
    static abstract TSelf XorSign(TSelf a, TSelf sign);
    /// <summary>A mask of the lanes where a &gt; b.</summary>
    static abstract TSelf GreaterThan(TSelf a, TSelf b);
    /// <summary>Per lane: mask ? a : b.</summary>
    static abstract TSelf Select(TSelf mask, TSelf a, TSelf b);
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F512 Exp(F512 a) => new(Vector512.Exp(a._v));
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 XorSign(F128 a, F128 sign) => new((a._v.AsUInt32() ^ (sign._v.AsUInt32() & Vector128.Create(0x80000000u))).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 GreaterThan(F128 a, F128 b) => new(Vector128.GreaterThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static F128 Select(F128 mask, F128 a, F128 b) => new(Vector128.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public int SetLanes() => BitOperations.PopCount(_v.ExtractMostSignificantBits());
}
