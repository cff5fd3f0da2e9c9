using Sbp.Core.Numerics;

namespace Sbp.Core.Plasticity;

/// <summary>
/// The constraints on one weight matrix (rows = presynaptic neurons): optional bounds [Min, Max] and, for Dale's law,
/// the number of presynaptic rows (the last ones) that are inhibitory. Excitatory rows stay ≥ 0, inhibitory ≤ 0.
/// </summary>
/// <param name="Min">Lower bound of every weight, or null for none.</param>
/// <param name="Max">Upper bound of every weight, or null for none.</param>
/// <param name="Dale">Whether Dale's law holds: excitatory rows ≥ 0, inhibitory rows ≤ 0.</param>
/// <param name="InhibitoryRows">Number of inhibitory presynaptic rows (the last ones) under Dale's law.</param>
public readonly record struct WeightConstraints(float? Min = null, float? Max = null, bool Dale = false, int InhibitoryRows = 0)
{
    /// <summary>No bounds and no Dale's law.</summary>
    public static readonly WeightConstraints None = new();
    /// <summary>True when there is nothing to enforce.</summary>
    public bool IsNone => Min is null && Max is null && !Dale;
}

/// <summary>
/// The one place where weight constraints are enforced; every learning rule's update goes through
/// <see cref="Enforce"/> before the next step reads the weights.
/// </summary>
public static class WeightBounds
{
    /// <summary>Clips every weight of <paramref name="w"/> into its bounds in place (excitatory rows to ≥ 0 and inhibitory rows to ≤ 0 under Dale's law); throws <see cref="ArgumentException"/> for empty bounds.</summary>
    public static void Enforce(Matrix w, WeightConstraints c)
    {
        if (c.IsNone) return;
        if (c.Min is float min && c.Max is float max && min > max) throw new ArgumentException($"weight bounds [{min}, {max}] are empty");
        int firstInhibitory = w.Rows - (c.Dale ? c.InhibitoryRows : 0);
        for (int r = 0; r < w.Rows; r++)
        {
            float lo = c.Min ?? float.NegativeInfinity, hi = c.Max ?? float.PositiveInfinity;
            if (c.Dale)
            {
                if (r < firstInhibitory) lo = MathF.Max(lo, 0f);
                else hi = MathF.Min(hi, 0f);
            }
            var row = w.Row(r);
            System.Numerics.Tensors.TensorPrimitives.Max(row, lo, row);
            System.Numerics.Tensors.TensorPrimitives.Min(row, hi, row);
        }
    }

    /// <summary>True when <paramref name="w"/> satisfies <paramref name="c"/> (used by invariant checks and tests).</summary>
    public static bool Holds(Matrix w, WeightConstraints c)
    {
        int firstInhibitory = w.Rows - (c.Dale ? c.InhibitoryRows : 0);
        for (int r = 0; r < w.Rows; r++)
            foreach (var v in w.Row(r))
            {
                if (!float.IsFinite(v)) return false;
                if (c.Min is float lo && v < lo) return false;
                if (c.Max is float hi && v > hi) return false;
                if (c.Dale && (r < firstInhibitory ? v < 0 : v > 0)) return false;
            }
        return true;
    }
}
