namespace Sbp.Core.Plasticity;

/// <summary>The two phases of a contrastive learning step whose activity a rule compares.</summary>
public enum Phase
{
    /// <summary>The free phase (no nudge).</summary>
    Free,
    /// <summary>The nudged phase (output pulled towards the target).</summary>
    Nudged,
}
