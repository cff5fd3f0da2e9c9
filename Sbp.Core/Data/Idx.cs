using System.Buffers.Binary;
using System.IO.Compression;

namespace Sbp.Core.Data;

/// <summary>An IDX array of unsigned bytes: its dimensions and its values in row-major order.</summary>
public sealed record IdxArray(int[] Dimensions, byte[] Values);

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): bytes 0-1 zero, byte 2 the element type (0x08 = unsigned
/// byte, the only type these data sets use), byte 3 the number of dimensions d, then d big-endian int32 sizes, then
/// the values. A file may be gzip-compressed (.gz); compression is recognised by its magic bytes, not by the name.
/// </summary>
public static class Idx
{
    private const byte UnsignedByte = 0x08;

    public static IdxArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses IDX content (raw or gzip) that came from <paramref name="source"/> (used in errors).</summary>
    public static IdxArray Parse(byte[] content, string source)
    {
        bool gz = content.Length >= 2 && content[0] == 0x1f && content[1] == 0x8b;
        return ParseRaw(gz ? Gunzip(content, source) : content, source, gz);
    }

    private static byte[] Gunzip(byte[] content, string source)
    {
        try
        {
            using var input = new MemoryStream(content, writable: false);
            using var gz = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(source, "", $"corrupt gzip stream: {e.Message}", e);
        }
    }

    private static IdxArray ParseRaw(byte[] b, string source, bool gz)
    {
        string where(int offset) => gz ? $"byte {offset} of the decompressed stream" : $"byte {offset}";
        if (b.Length < 4)
            throw new DataFormatException(source, where(0), $"file is {b.Length} bytes long; an IDX header needs at least 4");
        if (b[0] != 0 || b[1] != 0)
            throw new DataFormatException(source, where(0), $"bad magic: expected 00 00, found {b[0]:X2} {b[1]:X2}");
        if (b[2] != UnsignedByte)
            throw new DataFormatException(source, where(2), $"element type 0x{b[2]:X2} is not supported; expected 0x08 (unsigned byte)");
        int nd = b[3];
        if (nd == 0)
            throw new DataFormatException(source, where(3), "an IDX array needs at least one dimension");
        int header = 4 + 4 * nd;
        if (b.Length < header)
            throw new DataFormatException(source, where(4), $"header declares {nd} dimensions ({header} bytes) but the file is {b.Length} bytes long");
        var dims = new int[nd];
        long count = 1;
        for (int i = 0; i < nd; i++)
        {
            int d = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4 + 4 * i, 4));
            if (d < 0)
                throw new DataFormatException(source, where(4 + 4 * i), $"dimension {i} is negative ({d})");
            dims[i] = d;
            count *= d;
            if (count > Array.MaxLength)
                throw new DataFormatException(source, where(4 + 4 * i), "dimensions describe more values than an array can hold");
        }
        long expected = header + count;
        if (b.Length != expected)
            throw new DataFormatException(source, where(header),
                $"dimensions [{string.Join(", ", dims)}] need {count} value bytes after the {header}-byte header ({expected} in all) but the content is {b.Length} bytes");
        return new IdxArray(dims, b.AsSpan(header).ToArray());
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
