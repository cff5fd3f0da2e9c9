using Sbp.Core.Numerics;

namespace Sbp.Core.Models;

/// <summary>
/// What a training loop needs of a network that learns from (features, targets) batches: train on the samples
/// <c>rows</c> of a data set, infer them, read the output of that batch, count operations, and give the state its
/// inference reads (<see cref="IStatefulNetwork"/>: what a saved network holds).
/// </summary>
public interface ISupervisedNetwork : IStatefulNetwork
{
    /// <summary>Trains on the samples <paramref name="rows"/> of (<paramref name="features"/>, <paramref name="targets"/>); at most the batch size rows.</summary>
    void TrainBatch(Matrix features, Matrix targets, ReadOnlySpan<int> rows);
    /// <summary>Runs the samples <paramref name="rows"/> forward without learning; the result is in <see cref="Output"/>.</summary>
    void Infer(Matrix features, Matrix targets, ReadOnlySpan<int> rows);
    /// <summary>The output of the last batch (rows 0..batch−1 are valid).</summary>
    Matrix Output { get; }
    /// <summary>Synaptic operations counted since the last <see cref="ResetCounters"/>.</summary>
    long SynapticOps { get; }
    /// <summary>Sets the operation counters to 0.</summary>
    void ResetCounters();
}
