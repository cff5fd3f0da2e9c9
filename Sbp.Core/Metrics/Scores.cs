using System.Numerics.Tensors;
using Sbp.Core.Numerics;

namespace Sbp.Core.Metrics;

/// <summary>
/// Per-batch scores of a model's outputs against a data set's samples <c>rows</c> (output row i ↔ sample rows[i]):
/// classification hits (argmax), ½|o − y|², cosine similarity cos(o, y) = o·y/(|o||y|) (0 for a zero vector, the
/// NETtalk metric of the paper), and nearest-prototype hits (NETtalk phoneme accuracy: the phoneme whose feature
/// vector is nearest to the output's first features).
/// </summary>
public static class Scores
{
    /// <summary>Samples whose largest output is at the label's index (classification hits).</summary>
    public static int ArgMaxHits(Matrix output, ReadOnlySpan<int> rows, int[] labels)
    {
        int hits = 0;
        for (int i = 0; i < rows.Length; i++)
            if (Activations.ArgMax(output.Row(i)) == labels[rows[i]]) hits++;
        return hits;
    }

    /// <summary>Σ over the batch of ½|o − y|².</summary>
    public static double HalfSquaredError(Matrix output, ReadOnlySpan<int> rows, Matrix targets)
    {
        double sum = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            var o = output.Row(i);
            var y = targets.Row(rows[i]);
            for (int k = 0; k < o.Length; k++) { double d = o[k] - y[k]; sum += 0.5 * d * d; }
        }
        return sum;
    }

    /// <summary>Σ over the batch of cos(o, y) (0 for a zero vector); divide by the batch size for the mean.</summary>
    public static double CosineSum(Matrix output, ReadOnlySpan<int> rows, Matrix targets)
    {
        double sum = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            var o = output.Row(i);
            var y = targets.Row(rows[i]);
            float no = TensorPrimitives.Norm(o), ny = TensorPrimitives.Norm(y);
            if (no > 0 && ny > 0) sum += TensorPrimitives.Dot(o, y) / ((double)no * ny);
        }
        return sum;
    }

    /// <summary>The output a batch must reach somewhere for <see cref="FirstOfBatchCosine"/> to score it: one spike in
    /// the 20 steps of the spiking MLP's reference (its NETtalk test: <c>outputs.max() &gt;= 0.05</c>).</summary>
    public const float SilentBatchThreshold = 0.05f;

    /// <summary>
    /// The spiking MLP reference's NETtalk score of one test batch (<c>SBP_SNN_pBP/train.py</c>): the cosine similarity
    /// of the batch's <em>first</em> sample with its target, or 0 when no output of the whole batch reaches
    /// <see cref="SilentBatchThreshold"/> (a silent batch). Its mean over the batches is the paper's figure.
    /// </summary>
    public static double FirstOfBatchCosine(Matrix output, ReadOnlySpan<int> rows, Matrix targets)
    {
        if (rows.Length == 0) return 0;
        float max = float.NegativeInfinity;
        for (int i = 0; i < rows.Length; i++) max = MathF.Max(max, TensorPrimitives.Max(output.Row(i)));
        return max >= SilentBatchThreshold ? CosineSum(output, rows[..1], targets) : 0;
    }

    /// <summary>Hits where the nearest prototype (Euclidean, over the prototypes' length) is the sample's label.</summary>
    public static int NearestPrototypeHits(Matrix output, ReadOnlySpan<int> rows, int[] labels, float[][] prototypes)
    {
        int hits = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            var o = output.Row(i)[..prototypes[0].Length];
            int best = -1;
            float bestDistance = float.PositiveInfinity;
            for (int p = 0; p < prototypes.Length; p++)
            {
                float d = TensorPrimitives.Distance(o, prototypes[p]);
                if (d < bestDistance) { bestDistance = d; best = p; }
            }
            if (best == labels[rows[i]]) hits++;
        }
        return hits;
    }
}
