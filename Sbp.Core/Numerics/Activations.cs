using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sbp.Core.Numerics;

/// <summary>
/// Element-wise activations, in place or into caller-owned spans:
/// σ(v) = 2/(1+e^{−v}) − 1 = tanh(v/2) (a sigmoid into (−1, 1)); relu(v) = max(v, 0); ρ(v) = clip(v, 0, 1).
/// </summary>
public static class Activations
{
    /// <summary>
    /// y = σ(x) = tanh(x/2), into (−1, 1), tanh in the given form (<see cref="TanhForm"/>); <paramref name="y"/> may be
    /// <paramref name="x"/>.
    /// </summary>
    public static void BipolarSigmoid(ReadOnlySpan<float> x, Span<float> y, TanhForm form = TanhForm.Exact)
    {
        TensorPrimitives.Multiply(x, 0.5f, y);
        TanhLanes.Compute(form, y, y);
    }

    /// <summary>y = max(x, 0); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>y = clip(x, 0, 1); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Clip01(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Max(x, 0f, y);
        TensorPrimitives.Min(y, 1f, y);
    }

    /// <summary>Index of the largest value (first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> x) => TensorPrimitives.IndexOfMax(x);

    /// <summary>True when every value is finite.</summary>
    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        // x − x is 0 for a finite x and NaN for ±∞ or NaN: one vector pass, then the tail
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            ref float r = ref MemoryMarshal.GetReference(x);
            for (; i + 8 <= x.Length; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)i);
                acc += v - v;
            }
            if (acc != Vector256<float>.Zero) return false;
        }
        for (; i < x.Length; i++)
            if (!float.IsFinite(x[i])) return false;
        return true;
    }

    /// <summary>y[r, :] += v for every row r of a rows x v.Length block.</summary>
    public static void AddRowVector(Span<float> y, ReadOnlySpan<float> v, int rows)
    {
        int n = v.Length;
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * n, n);
            TensorPrimitives.Add(row, v, row);
        }
    }

    /// <summary>output[c] += Σ over rows of x[r, c].</summary>
    public static void ColumnSumAdd(ReadOnlySpan<float> x, int rows, Span<float> output)
    {
        int n = output.Length;
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(output, x.Slice(r * n, n), output);
    }

    /// <summary>out[c] = mean over rows of x[r, c].</summary>
    public static void ColumnMean(ReadOnlySpan<float> x, int rows, Span<float> output)
    {
        int n = output.Length;
        output.Clear();
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(output, x.Slice(r * n, n), output);
        TensorPrimitives.Multiply(output, 1f / rows, output);
    }
}
