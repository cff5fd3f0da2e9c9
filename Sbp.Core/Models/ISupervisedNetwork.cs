using Sbp.Core.Numerics;

namespace Sbp.Core.Models;

/// <summary>
/// What a training loop needs of a network that learns from (features, targets) batches: train on the samples
/// <c>rows</c> of a data set, infer them, read the output of that batch, and count operations.
/// </summary>
public interface ISupervisedNetwork
{
    void TrainBatch(Matrix features, Matrix targets, ReadOnlySpan<int> rows);
    void Infer(Matrix features, Matrix targets, ReadOnlySpan<int> rows);
    /// <summary>The output of the last batch (rows 0..batch−1 are valid).</summary>
    Matrix Output { get; }
    long SynapticOps { get; }
    void ResetCounters();
}
