namespace Sbp.Core.Models;

/// <summary>Training produced a non-finite value; names where, so that a run stops with a clear record.</summary>
public sealed class TrainingDivergedException(string where) : Exception($"training diverged: non-finite values in {where}")
{
    public string Where { get; } = where;
}

/// <summary>An invariant checked after an update does not hold (bounds, Dale's-law signs); names the layer and the rule.</summary>
public sealed class InvariantViolationException(string what) : Exception($"invariant violated: {what}")
{
    public string What { get; } = what;
}
