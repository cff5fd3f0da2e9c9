using Sbp.Core.Numerics;

namespace Sbp.Core.Data;

/// <summary>One dictionary entry of the NETtalk corpus: a word, its phoneme string and stress string (same length).</summary>
public sealed record NettalkWord(string Word, string Phonemes, string Stress, int Line);

/// <summary>
/// The NETtalk corpus (Sejnowski &amp; Rosenberg 1987): nettalk.data holds one word a line (word, phonemes, stress,
/// flag; tab-separated), nettalk.list the ~1,000 most common words. Each letter is a sample: a window of 7 letters
/// (the letter with 3 on each side, blank beyond the word) one-hot over 27 symbols (a..z, blank) = 189 inputs; the
/// target is the phoneme's 21 articulatory features followed by one-hot of its stress symbol (&lt; &gt; 0 1 2) = 26.
/// The class label of a sample is the phoneme's index in the feature table.
/// </summary>
public static class Nettalk
{
    public const int Window = 7;
    public const int Symbols = 27;
    public const int Inputs = Window * Symbols;
    public const string StressSymbols = "<>012";
    public const int Blank = 26;
    public const int DefaultTestWindows = 500;
    /// <summary>The fixed seed that picks the held-out test words of the "paper" split.</summary>
    public const ulong TestWordSeed = 1987;

    public static int Targets(NettalkFeatureTable table) => NettalkFeatureTable.Units.Length + StressSymbols.Length;

    /// <summary>Reads nettalk.data, checking every line; any bad line raises <see cref="DataFormatException"/>.</summary>
    public static NettalkWord[] ReadCorpus(string path, NettalkFeatureTable table)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        var words = new List<NettalkWord>(20_100);
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var f = line.Split('\t');
            if (f.Length < 3)
                throw new DataFormatException(path, $"line {lineNo}", $"expected word, phonemes, stress and flag separated by tabs; found {f.Length} fields");
            string word = f[0].Trim(), ph = f[1].Trim(), st = f[2].Trim();
            if (word.Length == 0)
                throw new DataFormatException(path, $"line {lineNo}", "empty word");
            if (ph.Length != word.Length || st.Length != word.Length)
                throw new DataFormatException(path, $"line {lineNo}",
                    $"word '{word}' has {word.Length} letters but {ph.Length} phonemes and {st.Length} stress symbols");
            for (int i = 0; i < word.Length; i++)
            {
                if (word[i] is < 'a' or > 'z')
                    throw new DataFormatException(path, $"line {lineNo}, column {i + 1}", $"letter '{word[i]}' of '{word}' is not in a..z");
                if (table.IndexOf(ph[i]) < 0)
                    throw new DataFormatException(path, $"line {lineNo}, column {i + 1}", $"phoneme '{ph[i]}' of '{word}' is missing from the feature table");
                if (StressSymbols.IndexOf(st[i]) < 0)
                    throw new DataFormatException(path, $"line {lineNo}, column {i + 1}", $"stress symbol '{st[i]}' of '{word}' is not one of {StressSymbols}");
            }
            words.Add(new NettalkWord(word, ph, st, lineNo));
        }
        if (words.Count == 0) throw new DataFormatException(path, "", "the corpus has no words");
        return words.ToArray();
    }

    /// <summary>The common-word list: the upper-case words between the parentheses of nettalk.list, lower-cased.</summary>
    public static HashSet<string> ReadCommonWords(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        var text = File.ReadAllText(path);
        int open = text.IndexOf('('), close = text.LastIndexOf(')');
        if (open < 0 || close < open)
            throw new DataFormatException(path, "", "expected the word list between '(' and ')'");
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in text[(open + 1)..close].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            set.Add(w.ToLowerInvariant());
        if (set.Count == 0) throw new DataFormatException(path, "", "the word list is empty");
        return set;
    }

    /// <summary>One sample per letter of every word, in order.</summary>
    public static DataSet Windows(IReadOnlyList<NettalkWord> words, NettalkFeatureTable table, string provenance, int maxWindows = int.MaxValue)
    {
        long total = 0;
        foreach (var w in words) total += w.Word.Length;
        int n = (int)Math.Min(total, maxWindows);
        int targets = Targets(table);
        var x = new Matrix(n, Inputs);
        var y = new Matrix(n, targets);
        var labels = new int[n];
        int row = 0;
        foreach (var w in words)
        {
            for (int i = 0; i < w.Word.Length && row < n; i++, row++)
            {
                var xr = x.Row(row);
                for (int k = 0; k < Window; k++)
                {
                    int pos = i - Window / 2 + k;
                    int sym = pos < 0 || pos >= w.Word.Length ? Blank : w.Word[pos] - 'a';
                    xr[k * Symbols + sym] = 1f;
                }
                int p = table.IndexOf(w.Phonemes[i]);
                labels[row] = p;
                var yr = y.Row(row);
                table.Features[p].CopyTo(yr);
                yr[NettalkFeatureTable.Units.Length + StressSymbols.IndexOf(w.Stress[i])] = 1f;
            }
        }
        return new DataSet("nettalk", provenance, x, y, labels, table.Count, [Window, Symbols]);
    }

    /// <summary>The letters of one window (blank as '_'), for inspection and tests.</summary>
    public static string DecodeWindow(ReadOnlySpan<float> window)
    {
        if (window.Length != Inputs) throw new ArgumentException($"a window has {Inputs} values, got {window.Length}");
        Span<char> s = stackalloc char[Window];
        for (int k = 0; k < Window; k++)
        {
            int sym = window.Slice(k * Symbols, Symbols).IndexOf(1f);
            s[k] = sym < 0 ? '?' : sym == Blank ? '_' : (char)('a' + sym);
        }
        return new string(s);
    }

    /// <summary>
    /// The "paper" split: every entry of a common word for training (about 5,000 windows); for testing, the other
    /// words in a fixed seeded order, cut at <paramref name="testWindows"/> windows (null = all remaining words).
    /// </summary>
    public static DataSplit LoadPaperSplit(string directory, int? testWindows = DefaultTestWindows, NettalkFeatureTable? table = null)
    {
        table ??= NettalkFeatureTable.Default;
        var corpus = ReadCorpus(Path.Combine(directory, "nettalk.data"), table);
        var common = ReadCommonWords(Path.Combine(directory, "nettalk.list"));
        var train = new List<NettalkWord>();
        var rest = new List<NettalkWord>();
        foreach (var w in corpus) (common.Contains(w.Word) ? train : rest).Add(w);
        var order = Rng.Derive(TestWordSeed, 0x7e57).Permutation(rest.Count);
        var test = new NettalkWord[rest.Count];
        for (int i = 0; i < order.Length; i++) test[i] = rest[order[i]];
        if (testWindows is < 1) throw new ArgumentException($"NETtalk test windows must be positive, got {testWindows}");
        string testNote = testWindows is int t ? $"{t} windows of held-out words (seed {TestWordSeed})" : "all held-out words";
        return new DataSplit(
            Windows(train, table, $"NETtalk nettalk.data ({corpus.Length} words), common-word list ({train.Count} entries) for training"),
            Windows(test, table, $"NETtalk nettalk.data ({corpus.Length} words), {testNote}", testWindows ?? int.MaxValue));
    }
}
