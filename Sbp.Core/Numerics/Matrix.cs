namespace Sbp.Core.Numerics;

/// <summary>
/// A dense row-major float32 matrix: <c>Data[r * Cols + c]</c>. The array is owned by the matrix and may be
/// written in place by kernels; shapes are checked once when a kernel starts, never inside its loops.
/// </summary>
public sealed class Matrix
{
    public int Rows { get; }
    public int Cols { get; }
    public float[] Data { get; }

    public Matrix(int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        Rows = rows;
        Cols = cols;
        Data = new float[checked(rows * cols)];
    }

    public Matrix(int rows, int cols, float[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != (long)rows * cols)
            throw new ArgumentException($"data has {data.Length} values; a {rows}x{cols} matrix needs {(long)rows * cols}", nameof(data));
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    public float this[int r, int c]
    {
        get => Data[r * Cols + c];
        set => Data[r * Cols + c] = value;
    }

    public Span<float> Row(int r) => Data.AsSpan(r * Cols, Cols);

    public Matrix Clone() => new(Rows, Cols, (float[])Data.Clone());

    /// <summary>The rows named by <paramref name="rows"/>, in that order, as a new matrix.</summary>
    public Matrix SelectRows(ReadOnlySpan<int> rows)
    {
        var m = new Matrix(rows.Length, Cols);
        for (int i = 0; i < rows.Length; i++)
            Data.AsSpan(rows[i] * Cols, Cols).CopyTo(m.Data.AsSpan(i * Cols, Cols));
        return m;
    }

    public override string ToString() => $"Matrix {Rows}x{Cols}";
}
