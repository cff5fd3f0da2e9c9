using Sbp.Core.Numerics;

namespace Sbp.Core.Data;

/// <summary>
/// MNIST-format image classification from a pair of IDX files (images [n, rows, cols], labels [n]): the standard
/// MNIST and Fashion-MNIST 60k/10k files. Pixels are scaled to [0, 1]; targets are one-hot over 10 classes.
/// </summary>
public static class MnistIdx
{
    /// <summary>Number of classes (digits 0-9, or the 10 Fashion-MNIST garments).</summary>
    public const int Classes = 10;

    /// <summary>Reads an images file and a labels file (IDX, optionally gzipped) as the data set <paramref name="name"/>; refuses mismatched counts, a non-3-D image file and labels outside 0-9 with a <see cref="DataFormatException"/>, and images over the <see cref="DataBudget"/> with a <see cref="DataAccessException"/>, both from the headers before the values are read.</summary>
    public static DataSet Load(string name, string imagesPath, string labelsPath) => Load(name, imagesPath, labelsPath, null);

    /// <summary>
    /// The training and the test set of one task: the four files as <see cref="Load(string, string, string)"/> reads
    /// them, and test images of another size than the training images are refused (from the test file's header,
    /// naming both files and both sizes).
    /// </summary>
    public static DataSplit LoadSplit(string name, string trainImages, string trainLabels, string testImages, string testLabels)
    {
        var train = Load(name, trainImages, trainLabels, null);
        int[] shape = train.SampleShape;
        var test = Load(name, testImages, testLabels, (shape, trainImages));
        return new DataSplit(train, test);
    }

    private static DataSet Load(string name, string imagesPath, string labelsPath, (int[] Shape, string File)? like)
    {
        var images = Idx.Read(imagesPath, dims =>
        {
            if (dims.Length != 3)
                throw new DataFormatException(imagesPath, "byte 3", $"an image file has 3 dimensions [n, rows, cols]; found {dims.Length}");
            if (like is { } l && (dims[1] != l.Shape[0] || dims[2] != l.Shape[1]))
                throw new DataFormatException(imagesPath, "byte 8",
                    $"images are {dims[1]} x {dims[2]} but the training images in {l.File} are {l.Shape[0]} x {l.Shape[1]}");
            DataBudget.Check(imagesPath, $"dimensions [{string.Join(", ", dims)}]", dims[0], (long)dims[1] * dims[2], Classes);
        });
        int n = images.Dimensions[0], rows = images.Dimensions[1], cols = images.Dimensions[2];
        var labels = Idx.Read(labelsPath, dims =>
        {
            if (dims.Length != 1)
                throw new DataFormatException(labelsPath, "byte 3", $"a label file has 1 dimension [n]; found {dims.Length}");
            if (dims[0] != n)
                throw new DataFormatException(labelsPath, "byte 4", $"{dims[0]} labels for {n} images in {imagesPath}");
        });
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = labels.Values[i];
            if (y[i] >= Classes)
                throw new DataFormatException(labelsPath, $"label {i}", $"label {y[i]} outside 0..{Classes - 1}");
        }
        int d = rows * cols;
        var x = new float[(long)n * d];
        const float scale = 1f / 255f;
        for (long i = 0; i < x.Length; i++) x[i] = images.Values[i] * scale;
        return new DataSet(name, $"IDX {Path.GetFileName(imagesPath)} + {Path.GetFileName(labelsPath)}",
            new Matrix(n, d, x), DataSet.OneHot(y, Classes), y, Classes, [rows, cols]);
    }
}
