namespace Sbp.Core.Learning;

/// <summary>How a spike s = H(m − θ) is differentiated (or smoothed).</summary>
public enum SpikeFunction
{
    /// <summary>Heaviside forward; ∂s/∂m = 1 where |m − θ| &lt; 0.3 (STBP's rectangle, the reference).</summary>
    Rectangular,
    /// <summary>Heaviside forward; ∂s/∂m = σ(m − θ)(1 − σ(m − θ)) (SNU's sigmoid derivative).</summary>
    Sigmoid,
    /// <summary>A smooth model for gradient checks: s = σ(k(m − θ)) forward, its exact derivative backward.</summary>
    Smooth,
}

/// <summary>The spike nonlinearity and its (surrogate) derivative, one place for all spiking gradients.</summary>
public static class SurrogateGradient
{
    /// <summary>Half width of the rectangle surrogate around the threshold (STBP's 0.3, the reference).</summary>
    public const float RectangleHalfWidth = 0.3f;
    /// <summary>Steepness k of the smooth model.</summary>
    public const float SmoothSteepness = 10f;

    /// <summary>The spike of membrane <paramref name="m"/> at <paramref name="threshold"/>: 0 or 1 (Heaviside), or σ(k(m − θ)) for the smooth model.</summary>
    public static float Spike(SpikeFunction f, float m, float threshold) =>
        f == SpikeFunction.Smooth ? Logistic(SmoothSteepness * (m - threshold)) : m > threshold ? 1f : 0f;

    /// <summary>The (surrogate) derivative ∂s/∂m of <paramref name="f"/> at membrane <paramref name="m"/>.</summary>
    public static float Derivative(SpikeFunction f, float m, float threshold)
    {
        switch (f)
        {
            case SpikeFunction.Rectangular:
                return MathF.Abs(m - threshold) < RectangleHalfWidth ? 1f : 0f;
            case SpikeFunction.Sigmoid:
            {
                float s = Logistic(m - threshold);
                return s * (1f - s);
            }
            default:
            {
                float s = Logistic(SmoothSteepness * (m - threshold));
                return SmoothSteepness * s * (1f - s);
            }
        }
    }

    /// <summary>The logistic function 1/(1 + e^{−x}).</summary>
    public static float Logistic(float x) => 1f / (1f + MathF.Exp(-x));
}
