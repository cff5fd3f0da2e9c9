namespace Sbp.Core.Models;

/// <summary>
/// Watches the LIF spikes of a spiking STDP network's feedforward phase (for rasters). A network with an observer
/// attached runs its sample blocks on one thread, so the calls come one at a time, block by block; the numbers the
/// network computes are the same bits with and without an observer.
/// </summary>
public interface ISpikeObserver
{
    /// <summary>Neuron <paramref name="neuron"/> of layer <paramref name="layer"/> spiked in LIF step <paramref name="step"/> (1-based) for sample <paramref name="sample"/> of the batch.</summary>
    void Spiked(int step, int layer, int sample, int neuron);
}

/// <summary>An observer that keeps every spike; <see cref="Spikes"/> lists them by step, layer, sample and neuron.</summary>
public sealed class SpikeRecorder : ISpikeObserver
{
    private readonly List<(int Step, int Layer, int Sample, int Neuron)> _spikes = [];

    /// <summary>A recorder that has seen no spike yet.</summary>
    public SpikeRecorder() { }

    /// <inheritdoc />
    public void Spiked(int step, int layer, int sample, int neuron) => _spikes.Add((step, layer, sample, neuron));

    /// <summary>The spikes observed so far, ordered by step, then layer, sample and neuron.</summary>
    public IReadOnlyList<(int Step, int Layer, int Sample, int Neuron)> Spikes
    {
        get
        {
            var sorted = _spikes.ToList();
            sorted.Sort();
            return sorted;
        }
    }
}
