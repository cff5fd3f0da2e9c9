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

    /// <summary>Reads an images file and a labels file (IDX, optionally gzipped) as the data set <paramref name="name"/>; refuses mismatched counts, a non-3-D image file and labels outside 0-9 with a <see cref="DataFormatException"/>.</summary>
    public static DataSet Load(string name, string imagesPath, string labelsPath)
    {
        var images = Idx.Read(imagesPath);
        var labels = Idx.Read(labelsPath);
        if (images.Dimensions.Length != 3)
            throw new DataFormatException(imagesPath, "byte 3", $"an image file has 3 dimensions [n, rows, cols]; found {images.Dimensions.Length}");
        if (labels.Dimensions.Length != 1)
            throw new DataFormatException(labelsPath, "byte 3", $"a label file has 1 dimension [n]; found {labels.Dimensions.Length}");
        int n = images.Dimensions[0], rows = images.Dimensions[1], cols = images.Dimensions[2];
        if (labels.Dimensions[0] != n)
            throw new DataFormatException(labelsPath, "byte 4", $"{labels.Dimensions[0]} labels for {n} images in {imagesPath}");
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
