namespace Sbp.Core.Data;

/// <summary>
/// A data file does not have the format its reader expects. Names the file and where in it the problem was found
/// (a byte offset, a line, or a packet), so that a user can look. Readers raise only this for bad content; they
/// never return a partial data set.
/// </summary>
public sealed class DataFormatException : Exception
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
/// A data set is not where it was looked for. <see cref="Missing"/> says what is missing (a path, or that no folder was
/// given); <see cref="HowToProvision"/> is the exact command or step that provisions it.
/// </summary>
public sealed class DataNotProvisionedException(string dataSet, string missing, string howToProvision)
    : Exception($"{dataSet} is not provisioned ({missing}). {howToProvision}")
{
    public string DataSet { get; } = dataSet;
    public string Missing { get; } = missing;
    public string HowToProvision { get; } = howToProvision;
}
