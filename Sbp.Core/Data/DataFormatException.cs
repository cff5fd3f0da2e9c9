namespace Sbp.Core.Data;

/// <summary>
/// The base of every error the data layer raises on purpose: a file that cannot be read, a file whose content is not
/// what its reader expects, a data set that is not provisioned. Each message is one line naming the file or data set.
/// </summary>
public abstract class DataException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A data file does not have the format its reader expects. Names the file and where in it the problem was found
/// (a byte offset, a line, or a packet), so that a user can look. Readers raise only this for bad content; they
/// never return a partial data set.
/// </summary>
public sealed class DataFormatException : DataException
{
    /// <summary>The path of the file whose content is wrong, as given to the reader.</summary>
    public string File { get; }
    /// <summary>Where in the file, in words ("byte 16", "line 12", "packet 3 at byte 1040"), or "" for the whole file.</summary>
    public string Position { get; }
    /// <summary>What is wrong, in words (e.g. "bad magic: expected 2051, found 0").</summary>
    public string Problem { get; }

    /// <summary>A format error in <paramref name="file"/> at <paramref name="position"/> ("" for the whole file); the message is one line: file (position): problem.</summary>
    public DataFormatException(string file, string position, string problem, Exception? inner = null)
        : base(position.Length == 0 ? $"{file}: {problem}" : $"{file} ({position}): {problem}", inner)
    {
        File = file;
        Position = position;
        Problem = problem;
    }
}

/// <summary>
/// A data file cannot be read at all: it does not exist, a folder stands where the file should be, it is not a regular
/// file (a FIFO, a device, a socket), permission is denied, a symbolic link loops, it is larger than its reader accepts,
/// or it declares a data set beyond the <see cref="DataBudget"/>. Names the file (or folder) and the reason.
/// </summary>
public sealed class DataAccessException(string file, string problem, Exception? inner = null)
    : DataException($"{file}: {problem}", inner)
{
    /// <summary>The path of the file that could not be read.</summary>
    public string File { get; } = file;
    /// <summary>Why it could not be read (missing, a folder, not a regular file, permission denied, too large, ...).</summary>
    public string Problem { get; } = problem;
}

/// <summary>
/// A data set is not where it was looked for. <see cref="Missing"/> says what is missing (a path, or that no folder was
/// given); <see cref="HowToProvision"/> is the exact command or step that provisions it.
/// </summary>
public sealed class DataNotProvisionedException(string dataSet, string missing, string howToProvision)
    : DataException($"{dataSet} is not provisioned ({missing}). {howToProvision}")
{
    /// <summary>The name of the data set that is missing (e.g. "mnist", "dvs-gesture").</summary>
    public string DataSet { get; } = dataSet;
    /// <summary>What was not found: a path, or that no folder was given.</summary>
    public string Missing { get; } = missing;
    /// <summary>The command or step that provisions the data set.</summary>
    public string HowToProvision { get; } = howToProvision;
}
