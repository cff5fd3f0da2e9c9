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
    public const float RectangleHalfWidth = 0.3f;
    /// <summary>Steepness k of the smooth model.</summary>
    public const float SmoothSteepness = 10f;

    public static float Spike(SpikeFunction f, float m, float threshold) =>
        f == SpikeFunction.Smooth ? Logistic(SmoothSteepness * (m - threshold)) : m > threshold ? 1f : 0f;

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

    public static float Logistic(float x) => 1f / (1f + MathF.Exp(-x));
}
