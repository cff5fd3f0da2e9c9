using System.Numerics.Tensors;
using Sbp.Core.Numerics;

namespace Sbp.Core.Plasticity;

/// <summary>
/// The last step of every learning rule: W_ℓ += α_ℓ·ΔW_ℓ, then the constraints (<see cref="WeightBounds"/>), then the
/// checks — a non-finite or exploding weight or bias (<see cref="Divergence"/>) stops training (<see cref="TrainingDivergedException"/>), and with invariant
/// checks on, a constraint that does not hold stops it too (<see cref="InvariantViolationException"/>).
/// </summary>
public static class WeightUpdate
{
    /// <summary>
    /// Applies the changes to every weight layer from <paramref name="firstLayer"/> on (the layers before it were
    /// updated and checked by the caller), an unconstrained large layer's pass in parts on up to
    /// <paramref name="threads"/> threads (the same bits for any number); returns the element operations performed
    /// (those of every layer).
    /// </summary>
    public static long Apply(Matrix[] weights, Matrix[] changes, float[] rates, WeightConstraints[] constraints, float[][] biases, bool checkInvariants,
        int threads = 1, int firstLayer = 0)
    {
        long ops = 0;
        for (int l = 0; l < firstLayer; l++) ops += weights[l].Data.Length;
        for (int l = firstLayer; l < weights.Length; l++)
        {
            var w = weights[l];
            ops += w.Data.Length;
            if (constraints[l].IsNone)
            {
                // update and check in one pass; the check's message (and the throw) from the full check when it fails
                if (!ScaledUpdate.AddScaledWithin(w.Data, changes[l].Data, rates[l], Divergence.MaxMagnitude, threads))
                    Divergence.Ensure(w.Data, $"weight layer {l} ({w.Rows}x{w.Cols})");
            }
            else
            {
                TensorPrimitives.MultiplyAdd(changes[l].Data, rates[l], w.Data, w.Data);
                WeightBounds.Enforce(w, constraints[l]);
                Divergence.Ensure(w.Data, $"weight layer {l} ({w.Rows}x{w.Cols})");
            }
            if (checkInvariants && !WeightBounds.Holds(w, constraints[l]))
                throw new InvariantViolationException($"weight layer {l} breaks its constraints {constraints[l]} after an update");
        }
        for (int l = 0; l < biases.Length; l++)
            Divergence.Ensure(biases[l], $"the biases of layer {l}");
        return ops;
    }
}
