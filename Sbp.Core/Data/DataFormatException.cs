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
    public string File { get; }
    /// <summary>Where in the file, in words ("byte 16", "line 12", "packet 3 at byte 1040"), or "" for the whole file.</summary>
    public string Position { get; }
    public string Problem { get; }

    public DataFormatException(string file, string position, string problem, Exception? inner = null)
        : base(position.Length == 0 ? $"{file}: {problem}" : $"{file} ({position}): {problem}", inner)
    {
        File = file;
        Position = position;
        Problem = problem;
    }
}

/// <summary>
/// A data file cannot be read at all: it does not exist, a folder stands where the file should be, permission is
/// denied, a symbolic link loops, or it is larger than its reader accepts. Names the file and the reason.
/// </summary>
public sealed class DataAccessException(string file, string problem, Exception? inner = null)
    : DataException($"{file}: {problem}", inner)
{
    public string File { get; } = file;
    public string Problem { get; } = problem;
}

/// <summary>
/// A data set is not where it was looked for. <see cref="Missing"/> says what is missing (a path, or that no folder was
/// given); <see cref="HowToProvision"/> is the exact command or step that provisions it.
/// </summary>
public sealed class DataNotProvisionedException(string dataSet, string missing, string howToProvision)
    : DataException($"{dataSet} is not provisioned ({missing}). {howToProvision}")
{
    public string DataSet { get; } = dataSet;
    public string Missing { get; } = missing;
    public string HowToProvision { get; } = howToProvision;
}
