namespace Sbp.Core.Numerics;

/// <summary>
/// A small seeded generator (xoshiro256**, seeded through SplitMix64), written here so that the same seed gives the
/// same numbers on every runtime and machine. Not thread-safe: each worker owns its own instance, derived with
/// <see cref="Derive"/>.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator whose whole sequence is fixed by <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>An independent generator for a named sub-stream (a layer, a worker, a split).</summary>
    public static Rng Derive(ulong seed, ulong stream)
    {
        ulong x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        return new Rng(SplitMix(ref x));
    }

    /// <summary>Words of state (<see cref="CopyStateTo"/>, <see cref="RestoreState"/>).</summary>
    public const int StateWords = 4;

    /// <summary>Copies the generator's state into <paramref name="words"/> (<see cref="StateWords"/> words).</summary>
    public void CopyStateTo(Span<ulong> words)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(words.Length, StateWords);
        words[0] = _s0; words[1] = _s1; words[2] = _s2; words[3] = _s3;
    }

    /// <summary>Continues from a state <see cref="CopyStateTo"/> wrote; the all-zero state (xoshiro's one fixed point, never reached from a seed) is refused.</summary>
    public void RestoreState(ReadOnlySpan<ulong> words)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(words.Length, StateWords);
        if ((words[0] | words[1] | words[2] | words[3]) == 0) throw new ArgumentException("the all-zero state is not a state of this generator", nameof(words));
        _s0 = words[0]; _s1 = words[1]; _s2 = words[2]; _s3 = words[3];
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) as float32 (24 random bits).</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform integer in [0, n), without modulo bias.</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle(p.AsSpan());
        return p;
    }
}
