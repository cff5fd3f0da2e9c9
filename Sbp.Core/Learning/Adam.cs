using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sbp.Core.Numerics;

namespace Sbp.Core.Learning;

/// <summary>Adam's hyperparameters (Kingma &amp; Ba 2015; PyTorch's defaults).</summary>
/// <param name="LearningRate">Base learning rate (default 1e-3; > 0).</param>
/// <param name="Beta1">Decay rate β₁ of the first-moment estimate (default 0.9).</param>
/// <param name="Beta2">Decay rate β₂ of the second-moment estimate (default 0.999).</param>
/// <param name="Epsilon">ε added to √v̂ in the denominator (default 1e-8).</param>
public sealed record AdamParameters(float LearningRate = 1e-3f, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f);

/// <summary>
/// Adam for one parameter array, state owned here:
///   m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  θ ← θ − lr·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)
/// The learning rate is passed per step so that a schedule (step decay) can change it. Vectorised with the scalar
/// loop's operations in its order (no fused multiply-add; the square root is correctly rounded at every width), so
/// every value is the bits of the scalar loop.
/// </summary>
public sealed class Adam
{
    private readonly float[] _m, _v;
    private readonly AdamParameters _p;
    /// <summary>Updates taken so far (t of the bias correction).</summary>
    public int Steps { get; private set; }

    /// <summary>Zeroed moments for a parameter array of <paramref name="length"/> values.</summary>
    public Adam(int length, AdamParameters p)
    {
        _m = new float[length];
        _v = new float[length];
        _p = p;
    }

    /// <summary>One update of <paramref name="parameters"/> in place from <paramref name="gradient"/> with the given learning rate (both spans of the length given at construction).</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate)
    {
        if (parameters.Length != _m.Length || gradient.Length != _m.Length)
            throw new ArgumentException($"Adam was built for {_m.Length} values, got {parameters.Length} parameters and {gradient.Length} gradients");
        Steps++;
        float b1 = _p.Beta1, b2 = _p.Beta2;
        float c1 = 1f / (1f - MathF.Pow(b1, Steps)), c2 = 1f / (1f - MathF.Pow(b2, Steps));
        int i = 0, n = parameters.Length;
        ref float rp = ref MemoryMarshal.GetReference(parameters);
        ref float rg = ref MemoryMarshal.GetReference(gradient);
        ref float rm = ref MemoryMarshal.GetArrayDataReference(_m);
        ref float rv = ref MemoryMarshal.GetArrayDataReference(_v);
        if (F512.IsAccelerated) i = Vectors<F512>(n, b1, b2, c1, c2, learningRate, ref rp, ref rg, ref rm, ref rv);
        else if (F256.IsAccelerated) i = Vectors<F256>(n, b1, b2, c1, c2, learningRate, ref rp, ref rg, ref rm, ref rv);
        for (; i < n; i++)
        {
            float g = gradient[i];
            float m = _m[i] = b1 * _m[i] + (1f - b1) * g;
            float v = _v[i] = b2 * _v[i] + (1f - b2) * g * g;
            parameters[i] -= learningRate * (m * c1) / (MathF.Sqrt(v * c2) + _p.Epsilon);
        }
    }

    /// <summary>The whole registers of <see cref="Step"/>: the scalar loop's operations in its order, per lane; returns where the tail starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Vectors<TV>(int n, float b1, float b2, float c1, float c2, float learningRate,
        ref float rp, ref float rg, ref float rm, ref float rv) where TV : struct, ISimdFloat<TV>
    {
        var vb1 = TV.Splat(b1); var vb2 = TV.Splat(b2); var k1 = TV.Splat(1f - b1); var k2 = TV.Splat(1f - b2);
        var vc1 = TV.Splat(c1); var vc2 = TV.Splat(c2); var lr = TV.Splat(learningRate); var eps = TV.Splat(_p.Epsilon);
        int i = 0, w = TV.Count;
        for (; i + w <= n; i += w)
        {
            nuint o = (nuint)i;
            var g = TV.Load(ref rg, o);
            var m = vb1 * TV.Load(ref rm, o) + k1 * g;
            var v = vb2 * TV.Load(ref rv, o) + k2 * g * g;
            m.Store(ref rm, o);
            v.Store(ref rv, o);
            (TV.Load(ref rp, o) - lr * (m * vc1) / (TV.Sqrt(v * vc2) + eps)).Store(ref rp, o);
        }
        return i;
    }
}
