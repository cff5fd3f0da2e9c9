using System.Diagnostics;

namespace Sbp.Core.Models;

/// <summary>The phases of a training batch that a profile tells apart.</summary>
public enum RunPhase { Feedforward, Free, Nudged, Backward, Plasticity, Sbp }

/// <summary>
/// Wall-clock seconds per phase, accumulated by a model while <c>Clock</c> is set (null: nothing is timed). Phases
/// that run interleaved on several threads (per block of samples) are charged the region's wall time in proportion to
/// the time their threads spent in each.
/// </summary>
public sealed class PhaseClock
{
    private readonly long[] _ticks = new long[Enum.GetValues<RunPhase>().Length];

    public void Add(RunPhase phase, long ticks) => Interlocked.Add(ref _ticks[(int)phase], ticks);

    /// <summary>Charges <paramref name="wallTicks"/> to the phases in proportion to <paramref name="threadTicks"/>.</summary>
    public void Split(long wallTicks, ReadOnlySpan<long> threadTicks)
    {
        long total = 0;
        foreach (var t in threadTicks) total += t;
        if (total <= 0) return;
        for (int i = 0; i < threadTicks.Length; i++) Add((RunPhase)i, (long)((double)wallTicks * threadTicks[i] / total));
    }

    public double Seconds(RunPhase phase) => (double)Interlocked.Read(ref _ticks[(int)phase]) / Stopwatch.Frequency;

    public void Reset() => Array.Clear(_ticks);
}
