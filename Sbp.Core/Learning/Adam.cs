namespace Sbp.Core.Learning;

/// <summary>Adam's hyperparameters (Kingma &amp; Ba 2015; PyTorch's defaults).</summary>
public sealed record AdamParameters(float LearningRate = 1e-3f, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f);

/// <summary>
/// Adam for one parameter array, state owned here:
///   m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  θ ← θ − lr·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)
/// The learning rate is passed per step so that a schedule (step decay) can change it.
/// </summary>
public sealed class Adam
{
    private readonly float[] _m, _v;
    private readonly AdamParameters _p;
    public int Steps { get; private set; }

    public Adam(int length, AdamParameters p)
    {
        _m = new float[length];
        _v = new float[length];
        _p = p;
    }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate)
    {
        if (parameters.Length != _m.Length || gradient.Length != _m.Length)
            throw new ArgumentException($"Adam was built for {_m.Length} values, got {parameters.Length} parameters and {gradient.Length} gradients");
        Steps++;
        float b1 = _p.Beta1, b2 = _p.Beta2;
        float c1 = 1f / (1f - MathF.Pow(b1, Steps)), c2 = 1f / (1f - MathF.Pow(b2, Steps));
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradient[i];
            float m = _m[i] = b1 * _m[i] + (1f - b1) * g;
            float v = _v[i] = b2 * _v[i] + (1f - b2) * g * g;
            parameters[i] -= learningRate * (m * c1) / (MathF.Sqrt(v * c2) + _p.Epsilon);
        }
    }
}
