using System.Buffers.Binary;
using System.IO.Compression;

namespace Sbp.Core.Data;

/// <summary>
/// A checked reader of one gzip member (RFC 1952): a 10-byte header (1F 8B, method 8 = deflate, flags, ...), the
/// deflate data, then an 8-byte trailer: CRC-32 and length (mod 2³²) of the decompressed bytes. The runtime's
/// GZipStream accepts a cut trailer and ignores bytes after the member, so this reader checks the trailer against the
/// bytes it returned and refuses anything after it; its caller says how many bytes it wants, so that a small file
/// that inflates to gigabytes fails after reading no more than was declared.
/// </summary>
public sealed class Gzip : IDisposable
{
    /// <summary>Deflate cannot compress better than about 1032 : 1; a file that claims more is refused unread.</summary>
    public const long MaxRatio = 1032;
    private const int HeaderBytes = 10, TrailerBytes = 8;

    private readonly byte[] _content;
    private readonly string _source;
    private readonly GZipStream _stream;
    private uint _crc = 0xFFFFFFFFu;
    private long _read;

    /// <summary>True when <paramref name="content"/> starts with the gzip magic bytes 1F 8B.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> content) => content.Length >= 2 && content[0] == 0x1f && content[1] == 0x8b;

    /// <summary>A reader over the whole file <paramref name="content"/>; checks the header (magic, method 8, no reserved flags) at once. <paramref name="source"/> names the file in errors.</summary>
    public Gzip(byte[] content, string source)
    {
        _content = content;
        _source = source;
        if (content.Length < HeaderBytes + TrailerBytes)
            throw new DataFormatException(source, "byte 0", $"a gzip file needs at least {HeaderBytes + TrailerBytes} bytes; this one has {content.Length}");
        if (!IsGzip(content))
            throw new DataFormatException(source, "byte 0", $"bad gzip magic: expected 1F 8B, found {content[0]:X2} {content[1]:X2}");
        if (content[2] != 8)
            throw new DataFormatException(source, "byte 2", $"unsupported compression method {content[2]}; gzip files use 8 (deflate)");
        if ((content[3] & 0xE0) != 0)
            throw new DataFormatException(source, "byte 3", $"reserved gzip flag bits are set (flags 0x{content[3]:X2})");
        _stream = new GZipStream(new MemoryStream(content, writable: false), CompressionMode.Decompress);
    }

    /// <summary>The most decompressed bytes a gzip file of this size can honestly hold.</summary>
    public long MaxDecompressedBytes => (long)_content.Length * MaxRatio;

    /// <summary>Decompressed bytes handed out so far.</summary>
    public long Position => _read;

    private string Where => $"byte {_read} of the decompressed stream";

    /// <summary>Fills <paramref name="destination"/>; the data ending first is an error saying what was expected.</summary>
    public void ReadExactly(Span<byte> destination, string expected)
    {
        int n = 0;
        while (n < destination.Length)
        {
            int r = ReadSome(destination[n..]);
            if (r == 0)
                throw new DataFormatException(_source, Where, $"the compressed data ends after {_read} decompressed bytes; {expected}");
            n += r;
        }
    }

    private int ReadSome(Span<byte> destination)
    {
        int r;
        try
        {
            r = _stream.Read(destination);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(_source, Where, "corrupt compressed data (the deflate stream does not decode)", e);
        }
        _crc = Crc32.Update(_crc, destination[..r]);
        _read += r;
        return r;
    }

    /// <summary>
    /// Checks that the decompressed stream ends here and that the trailer is the file's last 8 bytes and matches what
    /// was read (so a cut file, a second member or bytes after the member are refused).
    /// </summary>
    public void ExpectEnd(string declared)
    {
        Span<byte> one = stackalloc byte[1];
        if (ReadSome(one) != 0)
            throw new DataFormatException(_source, Where, $"the decompressed data continues past the {_read - 1} bytes {declared}");
        var trailer = _content.AsSpan(_content.Length - TrailerBytes);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer), size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (crc != ~_crc || size != (uint)_read)
            throw new DataFormatException(_source, $"byte {_content.Length - TrailerBytes}",
                "the gzip trailer does not match the decompressed data: the file is cut short, has bytes after the compressed stream, or holds several members");
    }

    /// <summary>Releases the underlying decompression stream.</summary>
    public void Dispose() => _stream.Dispose();
}

/// <summary>CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as gzip uses it.</summary>
public static class Crc32
{
    private static readonly uint[] Table = Build();

    private static uint[] Build()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    /// <summary>Continues a running (pre-inverted) CRC over <paramref name="data"/>; start from 0xFFFFFFFF, invert at the end.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    /// <summary>The CRC-32 of <paramref name="data"/> (check value: "123456789" gives 0xCBF43926).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);
}
