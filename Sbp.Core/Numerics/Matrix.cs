namespace Sbp.Core.Numerics;

/// <summary>
/// A dense row-major float32 matrix: <c>Data[r * Cols + c]</c>. The array is owned by the matrix and may be
/// written in place by kernels; shapes are checked once when a kernel starts, never inside its loops.
/// </summary>
public sealed class Matrix
{
    /// <summary>Number of rows (≥ 0).</summary>
    public int Rows { get; }
    /// <summary>Number of columns (≥ 0).</summary>
    public int Cols { get; }
    /// <summary>The values, row-major: entry (r, c) at index r·Cols + c.</summary>
    public float[] Data { get; }

    /// <summary>A zero matrix of the given shape.</summary>
    public Matrix(int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        Rows = rows;
        Cols = cols;
        Data = new float[checked(rows * cols)];
    }

    /// <summary>A matrix over <paramref name="data"/> (not copied), which must hold exactly rows·cols values.</summary>
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

    /// <summary>The entry at row <paramref name="r"/>, column <paramref name="c"/>.</summary>
    public float this[int r, int c]
    {
        get => Data[r * Cols + c];
        set => Data[r * Cols + c] = value;
    }

    /// <summary>Row <paramref name="r"/> as a writable view into <see cref="Data"/>.</summary>
    public Span<float> Row(int r) => Data.AsSpan(r * Cols, Cols);

    /// <summary>A copy with its own array.</summary>
    public Matrix Clone() => new(Rows, Cols, (float[])Data.Clone());

    /// <summary>The rows named by <paramref name="rows"/>, in that order, as a new matrix.</summary>
    public Matrix SelectRows(ReadOnlySpan<int> rows)
    {
        var m = new Matrix(rows.Length, Cols);
        for (int i = 0; i < rows.Length; i++)
            Data.AsSpan(rows[i] * Cols, Cols).CopyTo(m.Data.AsSpan(i * Cols, Cols));
        return m;
    }

    /// <summary>"Matrix RxC".</summary>
    public override string ToString() => $"Matrix {Rows}x{Cols}";
}
