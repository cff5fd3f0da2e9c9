using Sbp.Core.Numerics;

namespace Sbp.Core.Data;

/// <summary>
/// One in-memory data set: a float32 feature matrix (samples x features), a target matrix (samples x outputs),
/// integer class labels where the task has classes, a name and where the numbers came from.
/// </summary>
public sealed class DataSet
{
    /// <summary>Short name of the data set (e.g. "mnist", "nettalk"), used in run records and messages.</summary>
    public string Name { get; }
    /// <summary>Where the data came from (files, package, split), for run records.</summary>
    public string Provenance { get; }
    /// <summary>Inputs, one sample per row (samples x features): pixels in [0, 1], NETtalk one-hot windows, DVS event counts per pixel and frame.</summary>
    public Matrix Features { get; }
    /// <summary>Training targets, one sample per row (samples x outputs): one-hot classes, or NETtalk's feature vectors.</summary>
    public Matrix Targets { get; }
    /// <summary>Class label per sample, or null for a task without classes.</summary>
    public int[]? Labels { get; }
    /// <summary>Number of classes (0 when <see cref="Labels"/> is null).</summary>
    public int ClassCount { get; }
    /// <summary>Shape of one sample's features, e.g. [28, 28] or [frames, 32, 32].</summary>
    public int[] SampleShape { get; }

    /// <summary>Number of samples (rows of <see cref="Features"/>).</summary>
    public int Count => Features.Rows;
    /// <summary>Number of input features per sample.</summary>
    public int FeatureCount => Features.Cols;
    /// <summary>Number of target values (network outputs) per sample.</summary>
    public int TargetCount => Targets.Cols;

    /// <summary>A data set over the given matrices; refuses features and targets with different row counts, labels that do not match the samples or lie outside 0..<paramref name="classCount"/>−1, and a sample shape whose product differs from the feature count.</summary>
    public DataSet(string name, string provenance, Matrix features, Matrix targets, int[]? labels, int classCount, int[]? sampleShape = null)
    {
        if (features.Rows != targets.Rows)
            throw new ArgumentException($"{name}: {features.Rows} feature rows but {targets.Rows} target rows");
        if (labels is not null)
        {
            if (labels.Length != features.Rows)
                throw new ArgumentException($"{name}: {features.Rows} samples but {labels.Length} labels");
            foreach (var l in labels)
                if (l < 0 || l >= classCount)
                    throw new ArgumentException($"{name}: label {l} outside 0..{classCount - 1}");
        }
        var shape = sampleShape ?? [features.Cols];
        long prod = 1;
        foreach (var d in shape) prod *= d;
        if (prod != features.Cols)
            throw new ArgumentException($"{name}: sample shape [{string.Join(", ", shape)}] does not hold {features.Cols} features");
        Name = name;
        Provenance = provenance;
        Features = features;
        Targets = targets;
        Labels = labels;
        ClassCount = labels is null ? 0 : classCount;
        SampleShape = shape;
    }

    /// <summary>The samples named by <paramref name="indices"/>, in that order.</summary>
    public DataSet Subset(ReadOnlySpan<int> indices, string provenanceNote)
    {
        int[]? labels = null;
        if (Labels is not null)
        {
            labels = new int[indices.Length];
            for (int i = 0; i < indices.Length; i++) labels[i] = Labels[indices[i]];
        }
        return new DataSet(Name, $"{Provenance}; {provenanceNote}", Features.SelectRows(indices), Targets.SelectRows(indices), labels, ClassCount, SampleShape);
    }

    /// <summary>The first <paramref name="n"/> samples (all of them when n is at least <see cref="Count"/>).</summary>
    public DataSet Take(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n >= Count) return this;
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        return Subset(idx, $"first {n}");
    }

    /// <summary>Samples per class (empty when the set has no labels).</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        if (Labels is not null)
            foreach (var l in Labels) counts[l]++;
        return counts;
    }

    /// <summary>One-hot rows for <paramref name="labels"/> over <paramref name="classes"/> classes.</summary>
    public static Matrix OneHot(int[] labels, int classes)
    {
        var m = new Matrix(labels.Length, classes);
        for (int i = 0; i < labels.Length; i++) m[i, labels[i]] = 1f;
        return m;
    }

    /// <summary>"name: samples x features -> targets".</summary>
    public override string ToString() => $"{Name}: {Count} x {FeatureCount} -> {TargetCount}";
}

/// <summary>A training set and a test set of one task.</summary>
/// <param name="Train">The samples trained on.</param>
/// <param name="Test">The held-out samples a model is tested on.</param>
public sealed record DataSplit(DataSet Train, DataSet Test)
{
    /// <summary>A second test set scored beside <see cref="Test"/>, or null: the standard test split when
    /// <see cref="Test"/> holds out training samples (EqProp's MNIST reference tests on training images 50,000–59,999).</summary>
    public DataSet? StandardTest { get; init; }
}
