using Sbp.Core.Numerics;

namespace Sbp.Core.Data;

/// <summary>Deterministic train/test splits of one data set.</summary>
public static class Splits
{
    /// <summary>
    /// A seeded random split: one permutation of all samples, the first <paramref name="trainSize"/> for training,
    /// the next <paramref name="testSize"/> for testing. The same seed always gives the same split.
    /// </summary>
    public static DataSplit Random(DataSet all, int trainSize, int testSize, ulong seed)
    {
        if (trainSize < 1 || testSize < 1)
            throw new ArgumentException($"{all.Name}: split sizes must be positive (train {trainSize}, test {testSize})");
        if ((long)trainSize + testSize > all.Count)
            throw new ArgumentException($"{all.Name}: train {trainSize} + test {testSize} exceeds the {all.Count} samples available");
        var perm = Rng.Derive(seed, 0x5b117).Permutation(all.Count);
        var note = $"seeded split {trainSize}/{testSize}, seed {seed}";
        return new DataSplit(all.Subset(perm.AsSpan(0, trainSize), note + ", train"),
                             all.Subset(perm.AsSpan(trainSize, testSize), note + ", test"));
    }
}
