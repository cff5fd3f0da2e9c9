using System.Numerics.Tensors;

namespace Sbp.Core.Numerics;

/// <summary>
/// The one test of whether training has diverged, used by every model after every update: a quantity diverges when
/// it holds a non-finite value (NaN, ±∞) or explodes — a weight, bias or state beyond ±<see cref="MaxMagnitude"/>, an
/// energy or loss beyond ±<see cref="MaxScalar"/>. States and inputs of the three networks lie in [−1, 1] or [0, 1]
/// and their weights start within ±0.1 (Glorot), so a weight 10⁵ times that scale saturates every unit it feeds: the
/// run has left every regime the model describes. A learning rate of 1e6 gets there within one batch, after which the
/// saturated states stop all learning — training stops there instead of "completing" with frozen accuracy.
/// </summary>
public static class Divergence
{
    /// <summary>The largest magnitude a weight, bias or state may take before the run counts as exploded.</summary>
    public const float MaxMagnitude = 1e4f;

    /// <summary>The largest magnitude a per-sample energy or loss may take before the run counts as exploded.</summary>
    public const double MaxScalar = 1e12;

    /// <summary>Why <paramref name="x"/> diverges ("non-finite" or "exploding, |x| up to …"), or null when it does not.</summary>
    public static string? Check(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) return null;
        // MaxMagnitude propagates NaN, so one pass finds both cases
        float m = TensorPrimitives.MaxMagnitude(x);
        if (!float.IsFinite(m)) return "non-finite values";
        if (MathF.Abs(m) > MaxMagnitude) return $"exploding values (|x| up to {MathF.Abs(m):G3} > {MaxMagnitude:G0})";
        return null;
    }

    /// <summary>Why a scalar (an energy, a loss) diverges, or null when it does not.</summary>
    public static string? Check(double x) =>
        !double.IsFinite(x) ? "a non-finite value"
        : Math.Abs(x) > MaxScalar ? $"an exploding value ({x:G3}, beyond ±{MaxScalar:G0})"
        : null;

    /// <summary>Throws <see cref="TrainingDivergedException"/> naming <paramref name="what"/> when <paramref name="x"/> diverges.</summary>
    public static void Ensure(ReadOnlySpan<float> x, string what)
    {
        if (Check(x) is string why) throw new TrainingDivergedException(what, why);
    }

    /// <summary>Throws <see cref="TrainingDivergedException"/> naming <paramref name="what"/> when <paramref name="x"/> diverges.</summary>
    public static void Ensure(double x, string what)
    {
        if (Check(x) is string why) throw new TrainingDivergedException(what, why);
    }
}
