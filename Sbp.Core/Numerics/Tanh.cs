using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>
/// The hyperbolic tangent of every element, the bits of System.Numerics.Tensors' <c>TensorPrimitives.Tanh</c> (whose
/// results the spiking network's records hold), faster. Per element, every operation in single precision:
///   z = e^(−2|x|) − 1;  tanh(x) = sign(x)·(−z / (z + 2))
/// with e^y the runtime's vector exponential (<see cref="Vector256.Exp(Vector256{float})"/>, which gives the same bits
/// per lane at every width). TensorPrimitives takes 512-bit registers where they run in hardware, and the runtime's
/// 512-bit exponential is several times slower per element than its 256-bit one on such machines; this takes 256 bits
/// (128 for 4..7 values, and the C library's tanhf for fewer than 4, as TensorPrimitives does). Checked against
/// TensorPrimitives.Tanh for every single-precision value (scripts/check-tanh.fsx) and, in the tests, on a sample.
/// </summary>
public static class Tanh
{
    /// <summary>y = tanh(x); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length;
        if (y.Length < n) throw new ArgumentException($"room for {n} values expected, got {y.Length}");
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        if (n >= 8 && Vector256.IsHardwareAccelerated)
        {
            // the last (possibly overlapping) vector from the inputs, before any output overwrites them in place
            var last = Lanes(Vector256.LoadUnsafe(ref rx, (nuint)(n - 8)));
            int i = 0;
            for (; i + 8 <= n; i += 8) Lanes(Vector256.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            if (i < n) last.StoreUnsafe(ref ry, (nuint)(n - 8));
        }
        else if (n >= 4 && Vector128.IsHardwareAccelerated)
        {
            var last = Lanes(Vector128.LoadUnsafe(ref rx, (nuint)(n - 4)));
            int i = 0;
            for (; i + 4 <= n; i += 4) Lanes(Vector128.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            if (i < n) last.StoreUnsafe(ref ry, (nuint)(n - 4));
        }
        else
            for (int i = 0; i < n; i++) Unsafe.Add(ref ry, i) = MathF.Tanh(Unsafe.Add(ref rx, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lanes(Vector256<float> x)
    {
        var z = Vector256.Exp(Vector256.Create(-2f) * Vector256.Abs(x)) - Vector256<float>.One;
        var sign = x.AsUInt32() & Vector256.Create(0x80000000u);
        return (sign ^ (-z / (z + Vector256.Create(2f))).AsUInt32()).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Lanes(Vector128<float> x)
    {
        var z = Vector128.Exp(Vector128.Create(-2f) * Vector128.Abs(x)) - Vector128<float>.One;
        var sign = x.AsUInt32() & Vector128.Create(0x80000000u);
        return (sign ^ (-z / (z + Vector128.Create(2f))).AsUInt32()).AsSingle();
    }
}
