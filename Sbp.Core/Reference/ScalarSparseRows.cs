using System.Numerics.Tensors;

using Sbp.Core.Numerics;

namespace Sbp.Core.Reference;

/// <summary>
/// The test oracle of <see cref="SparseRows"/>: one event at a time, each adding a whole row (o ← o + row when the
/// value is 1, o ← row·v + o otherwise), in the order of the events.
/// </summary>
internal static class ScalarSparseRows
{
    /// <summary>out[b, :] (+)= Σ_i x[b, i]·W[i, :] for b &lt; batch (x: batch x n, W: n x m, out: batch x m).</summary>
    public static long Multiply(ReadOnlySpan<float> x, int batch, int n, Matrix w, Span<float> output, bool accumulate)
    {
        int m = w.Cols;
        if (w.Rows != n) throw new ArgumentException($"W has {w.Rows} rows, x has {n} columns");
        long events = 0;
        for (int b = 0; b < batch; b++)
        {
            var o = output.Slice(b * m, m);
            if (!accumulate) o.Clear();
            var xr = x.Slice(b * n, n);
            for (int i = 0; i < n; i++)
            {
                float v = xr[i];
                if (v == 0f) continue;
                var row = w.Data.AsSpan(i * m, m);
                if (v == 1f) TensorPrimitives.Add(o, row, o);
                else TensorPrimitives.MultiplyAdd(row, v, o, o);
                events += m;
            }
        }
        return events;
    }

    /// <summary>G[i, :] += scale·Σ_b x[b, i]·d[b, :] (x: batch x n, d: batch x m, G: n x m): the weight gradient xᵀd.</summary>
    public static long TransposeMultiplyAdd(ReadOnlySpan<float> x, int batch, int n, ReadOnlySpan<float> d, Matrix g, float scale = 1f)
    {
        int m = g.Cols;
        if (g.Rows != n) throw new ArgumentException($"G has {g.Rows} rows, x has {n} columns");
        long events = 0;
        for (int b = 0; b < batch; b++)
        {
            var xr = x.Slice(b * n, n);
            var dr = d.Slice(b * m, m);
            for (int i = 0; i < n; i++)
            {
                float v = xr[i];
                if (v == 0f) continue;
                var row = g.Data.AsSpan(i * m, m);
                float f = v * scale;
                if (f == 1f) TensorPrimitives.Add(row, dr, row);
                else TensorPrimitives.MultiplyAdd(dr, f, row, row);
                events += m;
            }
        }
        return events;
    }
}
