namespace Sbp.Core.Numerics;

/// <summary>
/// Training produced a non-finite or exploding value (<see cref="Divergence"/>); names the quantity and layer, so that
/// a run stops with a clear record.
/// </summary>
public sealed class TrainingDivergedException(string where, string why) : Exception($"training diverged: {why} in {where}")
{
    /// <summary>A divergence by non-finite values in <paramref name="where"/>.</summary>
    public TrainingDivergedException(string where) : this(where, "non-finite values") { }

    /// <summary>The quantity and layer that diverged (e.g. "weight layer 1 (500x10)").</summary>
    public string Where { get; } = where;

    /// <summary>What was wrong with it (non-finite, or exploding with its magnitude).</summary>
    public string Why { get; } = why;
}

/// <summary>An invariant checked after an update does not hold (bounds, Dale's-law signs); names the layer and the rule.</summary>
public sealed class InvariantViolationException(string what) : Exception($"invariant violated: {what}")
{
    /// <summary>The invariant that failed, with the layer (e.g. "weight layer 0 outside [−1, 1]").</summary>
    public string What { get; } = what;
}
