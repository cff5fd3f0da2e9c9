using System.Buffers.Binary;
using System.IO.Compression;

namespace Sbp.Core.Data;

/// <summary>An IDX array of unsigned bytes: its dimensions and its values in row-major order.</summary>
/// <param name="Dimensions">Size of each dimension, outermost first (e.g. [60000, 28, 28]).</param>
/// <param name="Values">The bytes, row-major; their count is the product of the dimensions.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Values);

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): bytes 0-1 zero, byte 2 the element type (0x08 = unsigned
/// byte, the only type these data sets use), byte 3 the number of dimensions d, then d big-endian int32 sizes, then
/// the values. A file may be gzip-compressed (.gz); compression is recognised by its magic bytes, not by the name.
/// </summary>
public static class Idx
{
    private const byte UnsignedByte = 0x08;

    /// <summary>The most value bytes an IDX array may declare (1 GiB; MNIST's training images hold 47 MB).</summary>
    public const long MaxValueBytes = DataFile.DefaultMaxBytes;

    /// <summary>
    /// Reads an IDX file, raw or gzip. The header is read first: the size it declares is checked against the file
    /// length (raw) or the limits of the compressed size (gzip) before the values are allocated.
    /// </summary>
    public static IdxArray Read(string path) => Read(path, null);

    /// <summary>
    /// Reads an IDX file, raw or gzip, as <see cref="Read(string)"/> does, and hands the dimensions its header declares
    /// to <paramref name="accept"/> before any value is allocated or inflated, so that a caller can refuse a declared
    /// size (a memory budget) or a shape (one that does not match another file) by throwing.
    /// </summary>
    public static IdxArray Read(string path, Action<int[]>? accept)
    {
        using var s = DataFile.OpenRead(path);
        if (!s.CanSeek) throw new DataAccessException(path, "is not a regular file (a device or a pipe)");
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int got = s.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            s.Position = 0;
            if (got == 2 && Gzip.IsGzip(magic)) return ParseGzip(DataFile.ReadCapped(s, path, DataFile.DefaultMaxBytes), path, accept);
            return ReadRaw(s, path, accept);
        }
        catch (Exception e) when (DataFile.IsAccessFailure(e))
        {
            throw DataFile.Access(path, e);
        }
    }

    /// <summary>Parses IDX content (raw or gzip) that came from <paramref name="source"/> (used in errors).</summary>
    public static IdxArray Parse(byte[] content, string source)
    {
        if (Gzip.IsGzip(content)) return ParseGzip(content, source, null);
        using var s = new MemoryStream(content, writable: false);
        return ReadRaw(s, source, null);
    }

    private static IdxArray ReadRaw(Stream s, string source, Action<int[]>? accept)
    {
        long length = s.Length;
        var (dims, header, count) = ReadHeader(
            (span, expected) =>
            {
                if (s.ReadAtLeast(span, span.Length, throwOnEndOfStream: false) < span.Length)
                    throw new DataFormatException(source, $"byte {s.Position}", $"the file is {length} bytes long; {expected}");
            },
            source, gz: false, limit: MaxValueBytes);
        long expectedTotal = header + count;
        if (length != expectedTotal)
            throw new DataFormatException(source, $"byte {header}",
                $"dimensions [{string.Join(", ", dims)}] need {count} value bytes after the {header}-byte header ({expectedTotal} in all) but the content is {length} bytes");
        accept?.Invoke(dims);
        var values = new byte[count];
        s.ReadExactly(values);
        return new IdxArray(dims, values);
    }

    private static IdxArray ParseGzip(byte[] content, string source, Action<int[]>? accept)
    {
        using var g = new Gzip(content, source);
        var (dims, header, count) = ReadHeader((span, expected) => g.ReadExactly(span, expected), source, gz: true,
            limit: Math.Min(MaxValueBytes, g.MaxDecompressedBytes));
        accept?.Invoke(dims);
        var values = new byte[count];
        g.ReadExactly(values, $"dimensions [{string.Join(", ", dims)}] need {count} value bytes after the {header}-byte header");
        g.ExpectEnd($"that the header declares ({header} + {count})");
        return new IdxArray(dims, values);
    }

    private delegate void Fill(Span<byte> destination, string expected);

    /// <summary>Reads and checks the header; returns the dimensions, the header length and the number of values.</summary>
    private static (int[] Dims, int Header, int Count) ReadHeader(Fill fill, string source, bool gz, long limit)
    {
        string where(int offset) => gz ? $"byte {offset} of the decompressed stream" : $"byte {offset}";
        Span<byte> b = stackalloc byte[4];
        fill(b, "an IDX header needs at least 4 bytes");
        if (b[0] != 0 || b[1] != 0)
            throw new DataFormatException(source, where(0), $"bad magic: expected 00 00, found {b[0]:X2} {b[1]:X2}");
        if (b[2] != UnsignedByte)
            throw new DataFormatException(source, where(2), $"element type 0x{b[2]:X2} is not supported; expected 0x08 (unsigned byte)");
        int nd = b[3];
        if (nd == 0)
            throw new DataFormatException(source, where(3), "an IDX array needs at least one dimension");
        int header = 4 + 4 * nd;
        Span<byte> d = stackalloc byte[4 * nd];
        fill(d, $"the header declares {nd} dimensions ({header} bytes)");
        var dims = new int[nd];
        long count = 1;
        for (int i = 0; i < nd; i++)
        {
            int v = BinaryPrimitives.ReadInt32BigEndian(d.Slice(4 * i, 4));
            if (v < 0)
                throw new DataFormatException(source, where(4 + 4 * i), $"dimension {i} is negative ({v})");
            if (v == 0)
                throw new DataFormatException(source, where(4 + 4 * i), $"dimension {i} is 0; an IDX data file holds at least one value");
            dims[i] = v;
            count *= v;
            if (count > limit)
                throw new DataFormatException(source, where(4 + 4 * i),
                    $"dimensions [{string.Join(", ", dims[..(i + 1)])}{(i + 1 < nd ? ", ..." : "")}] declare more than {limit} values, the most this file can hold or this reader accepts");
        }
        return (dims, header, (int)count);
    }

    /// <summary>Writes an unsigned-byte IDX array, gzip-compressed when <paramref name="gzip"/> is set.</summary>
    public static void Write(string path, IdxArray array, bool gzip)
    {
        var bytes = Encode(array);
        if (!gzip) { File.WriteAllBytes(path, bytes); return; }
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    /// <summary>The raw (uncompressed) IDX bytes of <paramref name="array"/>.</summary>
    public static byte[] Encode(IdxArray array)
    {
        long count = 1;
        foreach (var d in array.Dimensions) count *= d;
        if (array.Dimensions.Length is 0 or > 255) throw new ArgumentException("an IDX array has 1 to 255 dimensions");
        if (count != array.Values.Length) throw new ArgumentException($"dimensions hold {count} values, array has {array.Values.Length}");
        int header = 4 + 4 * array.Dimensions.Length;
        var b = new byte[header + array.Values.Length];
        b[2] = UnsignedByte;
        b[3] = (byte)array.Dimensions.Length;
        for (int i = 0; i < array.Dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), array.Dimensions[i]);
        array.Values.CopyTo(b, header);
        return b;
    }
}
