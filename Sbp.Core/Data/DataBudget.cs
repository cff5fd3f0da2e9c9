namespace Sbp.Core.Data;

/// <summary>
/// The memory budget of one loaded data set: its float32 features and targets,
/// bytes = samples × (features + targets) × 4 ≤ <see cref="MaxBytes"/> (1 GiB).
/// Every loader computes that size from what its files declare (an IDX header's [n, rows, cols], the gestures of the
/// DVS labels files × frames × 1,024 pixels, the letters of a NETtalk corpus, the values of the npm digit files read
/// so far) and refuses it before allocating the arrays, so that a small file declaring a huge data set fails at once
/// with little memory. The largest real data sets fit with room: DVS128 Gesture's 1,176 training gestures at the
/// paper's 100 frames take 482 MB (2.2x below the budget), MNIST's 60,000 training images 191 MB (5.6x below; the
/// budget holds 338,079 images of 28 x 28 with 10 classes).
/// </summary>
public static class DataBudget
{
    /// <summary>The most bytes the float32 features and targets of one data set may take (1 GiB).</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>The bytes of <paramref name="samples"/> rows of <paramref name="features"/> + <paramref name="targets"/> float32 values, saturating at <see cref="long.MaxValue"/>.</summary>
    public static long Bytes(long samples, long features, long targets)
    {
        var b = (Int128)samples * (features + targets) * sizeof(float);
        return b > long.MaxValue ? long.MaxValue : (long)b;
    }

    /// <summary>True when such a data set fits the budget.</summary>
    public static bool Fits(long samples, long features, long targets) => Bytes(samples, features, targets) <= MaxBytes;

    /// <summary>
    /// Refuses a data set of <paramref name="samples"/> × (<paramref name="features"/> + <paramref name="targets"/>)
    /// float32 values over the budget with a one-line <see cref="DataAccessException"/> naming <paramref name="file"/>;
    /// <paramref name="declared"/> says in words what the file declares ("dimensions [400000, 28, 28]").
    /// </summary>
    public static void Check(string file, string declared, long samples, long features, long targets)
    {
        if (Fits(samples, features, targets)) return;
        throw new DataAccessException(file,
            $"{declared}: {samples} samples x {features + targets} float32 values need {Bytes(samples, features, targets)} bytes, more than the {MaxBytes}-byte (1 GiB) budget of one data set");
    }
}
