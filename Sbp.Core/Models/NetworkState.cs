using Sbp.Core.Numerics;

namespace Sbp.Core.Models;

/// <summary>
/// One array of what a trained network's inference reads: its weights and biases, and whatever else carries over from
/// one batch to the next (membrane state the reference keeps between batches, an encoder's random stream, persistent
/// particles). Saved beside the run record, these arrays let a fresh network of the same configuration score a test set
/// exactly as the trained one did (<c>sbp train --save</c>, <c>sbp evaluate</c>). The entries are the live arrays of the
/// network: reading them copies the state out, writing them puts a saved state in place.
/// </summary>
public abstract class StateArray
{
    private protected StateArray(string name, int[] shape) { Name = name; Shape = shape; }
    /// <summary>A dotted name, stable across versions of the format ("weights.0", "state.v.1").</summary>
    public string Name { get; }
    /// <summary>The array's dimensions, row-major.</summary>
    public int[] Shape { get; }
}

/// <summary>Single-precision values held by the network (a weight matrix n_ℓ x n_{ℓ+1}, a bias vector, a state matrix).</summary>
public sealed class SingleArray(string name, int[] shape, float[] data) : StateArray(name, shape)
{
    /// <summary>The network's own array (its length is the product of <see cref="StateArray.Shape"/>).</summary>
    public float[] Data { get; } = data;
}

/// <summary>The state of one of the network's random streams (4 words of xoshiro256**).</summary>
public sealed class GeneratorArray(string name, Rng generator) : StateArray(name, [Rng.StateWords])
{
    /// <summary>The network's own generator.</summary>
    public Rng Generator { get; } = generator;
}

/// <summary>A network whose inference state can be read and put back (<see cref="StateArray"/>).</summary>
public interface IStatefulNetwork
{
    /// <summary>The arrays inference reads, in a fixed order; the same names and shapes for the same parameters.</summary>
    IReadOnlyList<StateArray> InferenceState();
}

/// <summary>The entries every network shares: "weights.ℓ" (n_ℓ x n_{ℓ+1}) and "biases.ℓ" for the layers ℓ ≥ 1.</summary>
public static class NetworkState
{
    /// <summary>W_ℓ as "weights.ℓ" and the bias of neuron layer ℓ as "biases.ℓ" (<paramref name="biases"/> indexed by neuron layer, the input's empty).</summary>
    public static IEnumerable<StateArray> WeightsAndBiases(Matrix[] weights, float[][] biases)
    {
        for (int l = 0; l < weights.Length; l++)
            yield return new SingleArray($"weights.{l}", [weights[l].Rows, weights[l].Cols], weights[l].Data);
        for (int l = 0; l < biases.Length; l++)
            if (biases[l].Length > 0) yield return new SingleArray($"biases.{l}", [biases[l].Length], biases[l]);
    }

    /// <summary>A per-layer state matrix as "state.<paramref name="kind"/>.ℓ" (batch x n_ℓ).</summary>
    public static SingleArray Layer(string kind, int layer, Matrix m) => new($"state.{kind}.{layer}", [m.Rows, m.Cols], m.Data);
}
