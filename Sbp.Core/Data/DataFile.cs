using System.Runtime.InteropServices;
using System.Text;

namespace Sbp.Core.Data;

/// <summary>
/// How every reader of the data layer opens and reads a file: only a regular file is opened (a FIFO, a device or a
/// socket, directly or behind a symbolic link, is refused before open() could block on it or read forever); every IO
/// or permission failure (a missing file, a folder where a file should be, permission denied, a symbolic link loop)
/// becomes a one-line <see cref="DataAccessException"/> naming the file; and no read takes more than a stated number of
/// bytes, checked against the file's length before reading, so that a huge file cannot exhaust memory.
/// </summary>
public static partial class DataFile
{
    /// <summary>The most bytes any reader takes from one file unless it asks for less (1 GiB; the largest file the
    /// project reads, MNIST's training images, is 47 MB).</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Opens <paramref name="path"/> for reading; refuses anything but a regular file (see <see cref="RequireRegularFile"/>) before opening it.</summary>
    public static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path)) throw new DataAccessException(path, "is a folder; expected a file");
        RequireRegularFile(path);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (IsAccessFailure(e))
        {
            throw Access(path, e);
        }
    }

    /// <summary>Opens <paramref name="path"/> for reading and refuses it, before reading a byte, when it is longer than <paramref name="maxBytes"/>.</summary>
    public static FileStream OpenRead(string path, long maxBytes)
    {
        var s = OpenRead(path);
        try
        {
            long length = s.Length;
            if (length > maxBytes)
                throw new DataAccessException(path, $"is {length} bytes long; this reader accepts at most {maxBytes}");
            return s;
        }
        catch (Exception e)
        {
            s.Dispose();
            if (IsAccessFailure(e)) throw Access(path, e);
            throw;
        }
    }

    /// <summary>
    /// Refuses <paramref name="path"/> unless it is a regular file or a symbolic link to one: a FIFO (whose open()
    /// blocks until a writer comes), a character or block device (/dev/zero never ends) or a socket raises
    /// "is not a regular file (a FIFO)" and the like, without opening it. The type comes from stat(2), which follows
    /// links. A path that cannot be examined (missing, a link loop, permission denied) passes: opening it fails at
    /// once and says why. On Windows, where such files do not appear under ordinary paths, nothing is checked.
    /// </summary>
    public static void RequireRegularFile(string path)
    {
        var kind = KindOf(path);
        if (kind is null or FileKind.Regular or FileKind.Folder) return;
        string what = kind switch
        {
            FileKind.Fifo => "a FIFO",
            FileKind.CharacterDevice => "a character device",
            FileKind.BlockDevice => "a block device",
            FileKind.Socket => "a socket",
            _ => "a special file",
        };
        bool link = false;
        try { link = new FileInfo(path).LinkTarget is not null; } catch (Exception e) when (IsAccessFailure(e)) { }
        throw new DataAccessException(path, link ? $"is not a regular file (a symbolic link to {what})" : $"is not a regular file ({what})");
    }

    /// <summary>The kinds of file system entry that stat(2) reports.</summary>
    private enum FileKind { Regular, Folder, Fifo, CharacterDevice, BlockDevice, Socket, Other }

    // stat(2) through the runtime's own native shim (the one System.IO uses): its FileStatus record is the same on
    // every Unix (int32 Flags, int32 Mode, ...), unlike libc's struct stat. The runtime exposes no public API for the
    // file type (dotnet/runtime#85148), and FileAttributes report a FIFO or a device as Normal.
    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int NativeStat(string path, byte* status);

    private const int ModeOffset = 4, TypeMask = 0xF000;

    /// <summary>The kind of <paramref name="path"/> after following links, or null where it cannot be told.</summary>
    private static unsafe FileKind? KindOf(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        byte* status = stackalloc byte[256]; // FileStatus is about 120 bytes; room to grow
        try
        {
            if (NativeStat(path, status) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        return (*(int*)(status + ModeOffset) & TypeMask) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Folder,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
    }

    /// <summary>
    /// True when something exists at <paramref name="path"/>, false when nothing does; a <see cref="DataAccessException"/>
    /// naming the folder when the folder holding it cannot be searched (permission denied), where
    /// <see cref="File.Exists"/> would answer "missing".
    /// </summary>
    public static bool Exists(string path)
    {
        try
        {
            File.GetAttributes(path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (UnauthorizedAccessException e)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? path;
            throw new DataAccessException(folder, "cannot be read: permission denied (its files cannot be looked up)", e);
        }
        catch (Exception e) when (IsAccessFailure(e))
        {
            return true; // e.g. a symbolic-link loop: there is something, and opening it says what is wrong
        }
    }

    /// <summary>
    /// Refuses a folder that cannot be listed or searched (permission denied) with a one-line
    /// <see cref="DataAccessException"/> naming it, instead of every file in it reading as missing. Does nothing for a
    /// folder that does not exist (its caller says what is missing).
    /// </summary>
    public static void RequireReadableFolder(string folder)
    {
        if (!Directory.Exists(folder)) return;
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(folder).GetEnumerator();
            if (entries.MoveNext()) Exists(entries.Current);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DataAccessException(folder, "cannot be read: permission denied", e);
        }
        catch (IOException e)
        {
            throw Access(folder, e);
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
