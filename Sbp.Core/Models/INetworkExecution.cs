namespace Sbp.Core.Models;

/// <summary>
/// How a network executes, apart from what it computes: the threads its per-sample phases and matrix products may use
/// and an optional clock that times its phases. Neither changes a single bit of the results (every product and every
/// per-sample pass performs the same operations in the same order for any thread count), so both are set by whoever
/// runs the network — the runner, the bench, a script — and are not parameters of the model.
/// </summary>
public interface INetworkExecution
{
    /// <summary>Threads the network's phases and products may use (≥ 1).</summary>
    int Threads { get; set; }

    /// <summary>When set, the network adds the wall time of each phase of a batch to this clock.</summary>
    PhaseClock? Clock { get; set; }
}
