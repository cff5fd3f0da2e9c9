using System.Text;

namespace Sbp.Core.Data;

/// <summary>
/// How every reader of the data layer opens and reads a file: every IO or permission failure (a missing file, a folder
/// where a file should be, permission denied, a symbolic link loop) becomes a one-line <see cref="DataAccessException"/>
/// naming the file, and no read takes more than a stated number of bytes, so that a device or a huge file cannot
/// exhaust memory.
/// </summary>
public static class DataFile
{
    /// <summary>The most bytes any reader takes from one file unless it asks for less (1 GiB; the largest file the
    /// project reads, MNIST's training images, is 47 MB).</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    public static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path)) throw new DataAccessException(path, "is a folder; expected a file");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (IsAccessFailure(e))
        {
            throw Access(path, e);
        }
    }

    /// <summary>True for the exceptions that a failed open or read raises (as opposed to a bug).</summary>
    public static bool IsAccessFailure(Exception e) =>
        e is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException;

    /// <summary>The one-line error for an IO or permission failure on <paramref name="path"/>.</summary>
    public static DataAccessException Access(string path, Exception e) => e switch
    {
        _ when Directory.Exists(path) => new DataAccessException(path, "is a folder; expected a file", e),
        FileNotFoundException => new DataAccessException(path, "does not exist", e),
        DirectoryNotFoundException => new DataAccessException(path, "does not exist (a folder on its path is missing)", e),
        UnauthorizedAccessException => new DataAccessException(path, "cannot be read: permission denied", e),
        _ => new DataAccessException(path, $"cannot be read: {OneLine(e.Message, path)}", e),
    };

    /// <summary>The runtime's message on one line, without the path it repeats (the error names the file already).</summary>
    private static string OneLine(string s, string path) =>
        s.Replace($" : '{path}'", "").Replace($"'{path}'", "the file").ReplaceLineEndings(" ").Trim();

    /// <summary>All bytes of <paramref name="path"/>; refuses a file (or device) longer than <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes = DefaultMaxBytes)
    {
        using var s = OpenRead(path);
        try
        {
            return ReadCapped(s, path, maxBytes);
        }
        catch (Exception e) when (IsAccessFailure(e))
        {
            throw Access(path, e);
        }
    }

    /// <summary>The text of <paramref name="path"/> (UTF-8); refuses more than <paramref name="maxBytes"/> bytes.</summary>
    public static string ReadAllText(string path, long maxBytes) =>
        new UTF8Encoding(false, false).GetString(ReadAllBytes(path, maxBytes));

    /// <summary>The lines of <paramref name="path"/> (LF or CRLF), read whole under <paramref name="maxBytes"/>.</summary>
    public static string[] ReadAllLines(string path, long maxBytes)
    {
        var text = ReadAllText(path, maxBytes);
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++) lines[i] = lines[i].TrimEnd('\r');
        // a final newline ends the last line; it does not start an empty one
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    /// <summary>
    /// Reads <paramref name="s"/> to its end, refusing more than <paramref name="maxBytes"/> bytes. A seekable stream
    /// is read to its stated length and must end there (a device such as /dev/zero states 0 and never ends: refused at
    /// once); a stream without a length grows its buffer up to the cap.
    /// </summary>
    public static byte[] ReadCapped(Stream s, string source, long maxBytes)
    {
        if (maxBytes < 0 || maxBytes > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(maxBytes));
        if (s.CanSeek)
        {
            long known = s.Length - s.Position;
            if (known > maxBytes)
                throw new DataAccessException(source, $"is {known} bytes long; this reader accepts at most {maxBytes}");
            var exact = new byte[known];
            int got = s.ReadAtLeast(exact, exact.Length, throwOnEndOfStream: false);
            if (got < exact.Length)
                throw new DataAccessException(source, $"ended after {got} of its {known} bytes (it changed while being read)");
            if (s.ReadByte() >= 0)
                throw new DataAccessException(source, $"is not a regular file: it yields more than its stated length of {known} bytes");
            return exact;
        }
        var buf = new byte[Math.Min(1 << 16, maxBytes)];
        int n = 0;
        while (true)
        {
            if (n == buf.Length)
            {
                int next = s.ReadByte();
                if (next < 0) return buf;
                if (n >= maxBytes)
                    throw new DataAccessException(source, $"holds more than {maxBytes} bytes, the most this reader accepts");
                Array.Resize(ref buf, (int)Math.Min(maxBytes, 2L * buf.Length));
                buf[n++] = (byte)next;
            }
            int r = s.Read(buf, n, buf.Length - n);
            if (r == 0) return n == buf.Length ? buf : buf[..n];
            n += r;
        }
    }
}
