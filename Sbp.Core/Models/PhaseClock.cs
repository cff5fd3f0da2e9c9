using System.Diagnostics;

namespace Sbp.Core.Models;

/// <summary>The phases of a training batch that a profile tells apart.</summary>
public enum RunPhase
{
    /// <summary>The feedforward pass (the spiking network's LIF phase, the spiking MLP's forward steps).</summary>
    Feedforward,
    /// <summary>The free relaxation.</summary>
    Free,
    /// <summary>The nudged relaxation.</summary>
    Nudged,
    /// <summary>Backpropagation through time (the spiking MLP).</summary>
    Backward,
    /// <summary>The base weight change and the update of weights and biases.</summary>
    Plasticity,
    /// <summary>The SBP operator, or the spiking MLP's hidden-gradient replacement.</summary>
    Sbp,
}

/// <summary>
/// Wall-clock seconds per phase, accumulated by a model while <c>Clock</c> is set (null: nothing is timed). Phases
/// that run interleaved on several threads (per block of samples) are charged the region's wall time in proportion to
/// the time their threads spent in each.
/// </summary>
public sealed class PhaseClock
{
    private readonly long[] _ticks = new long[Enum.GetValues<RunPhase>().Length];

    /// <summary>A clock with 0 s in every phase.</summary>
    public PhaseClock() { }

    /// <summary>Adds <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks) to <paramref name="phase"/>; safe from several threads.</summary>
    public void Add(RunPhase phase, long ticks) => Interlocked.Add(ref _ticks[(int)phase], ticks);

    /// <summary>Charges <paramref name="wallTicks"/> to the phases in proportion to <paramref name="threadTicks"/>.</summary>
    public void Split(long wallTicks, ReadOnlySpan<long> threadTicks)
    {
        long total = 0;
        foreach (var t in threadTicks) total += t;
        if (total <= 0) return;
        for (int i = 0; i < threadTicks.Length; i++) Add((RunPhase)i, (long)((double)wallTicks * threadTicks[i] / total));
    }

    /// <summary>The seconds charged to <paramref name="phase"/> so far.</summary>
    public double Seconds(RunPhase phase) => (double)Interlocked.Read(ref _ticks[(int)phase]) / Stopwatch.Frequency;

    /// <summary>Sets every phase back to 0 s.</summary>
    public void Reset() => Array.Clear(_ticks);
}
