using System.Reflection;

namespace Sbp.Core.Data;

/// <summary>
/// The NETtalk articulatory feature table: each phoneme symbol maps to a set of the 21 articulatory units. Kept as a
/// data file (nettalk-features.tsv, embedded in the assembly) so that it can be read and corrected.
/// </summary>
public sealed class NettalkFeatureTable
{
    /// <summary>The 21 units in target order; the six place units double as the vowel positions Front1..Back2.</summary>
    public static readonly string[] Units =
    [
        "Labial", "Dental", "Alveolar", "Palatal", "Velar", "Glottal", "Stop", "Nasal", "Fricative", "Affricative",
        "Glide", "Liquid", "Voiced", "Tensed", "High", "Medium", "Low", "Silent", "Elide", "Pause", "FullStop",
    ];

    private static readonly Dictionary<string, int> UnitIndex = BuildUnitIndex();

    private static Dictionary<string, int> BuildUnitIndex()
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Units.Length; i++) d[Units[i]] = i;
        string[] vowelPositions = ["Front1", "Front2", "Central1", "Central2", "Back1", "Back2"];
        for (int i = 0; i < vowelPositions.Length; i++) d[vowelPositions[i]] = i;
        return d;
    }

    /// <summary>Phoneme symbols in table order; a phoneme's index here is its class label.</summary>
    public char[] Phonemes { get; }
    /// <summary>Row i: the 0/1 feature vector (21 units) of <see cref="Phonemes"/>[i].</summary>
    public float[][] Features { get; }
    private readonly Dictionary<char, int> _index;

    private NettalkFeatureTable(char[] phonemes, float[][] features)
    {
        Phonemes = phonemes;
        Features = features;
        _index = new Dictionary<char, int>();
        for (int i = 0; i < phonemes.Length; i++) _index[phonemes[i]] = i;
    }

    /// <summary>Number of phonemes in the table (the classes of NETtalk).</summary>
    public int Count => Phonemes.Length;

    /// <summary>The class index of <paramref name="phoneme"/>, or -1 when the table lacks it.</summary>
    public int IndexOf(char phoneme) => _index.TryGetValue(phoneme, out var i) ? i : -1;

    /// <summary>The table shipped with the project.</summary>
    public static NettalkFeatureTable Default { get; } = LoadEmbedded();

    private static NettalkFeatureTable LoadEmbedded()
    {
        const string name = "Sbp.Core.Data.nettalk-features.tsv";
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var r = new StreamReader(s);
        return Parse(r, "nettalk-features.tsv");
    }

    /// <summary>Reads a table file (one phoneme a line with its feature names); refuses unknown features or duplicate phonemes with a <see cref="DataFormatException"/>.</summary>
    public static NettalkFeatureTable Load(string path)
    {
        using var r = new StringReader(DataFile.ReadAllText(path, 1L << 20));
        return Parse(r, path);
    }

    /// <summary>Parses "symbol TAB features..." lines; '#' starts a comment (except as the symbol itself).</summary>
    public static NettalkFeatureTable Parse(TextReader reader, string source)
    {
        var phonemes = new List<char>();
        var features = new List<float[]>();
        int lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || (line[0] == '#' && (line.Length == 1 || line[1] != '\t'))) continue;
            var tab = line.IndexOf('\t');
            if (tab != 1)
                throw new DataFormatException(source, $"line {lineNo}", "expected one phoneme symbol, a tab, then its features");
            char ph = line[0];
            var rest = line[(tab + 1)..];
            var hash = rest.IndexOf('#');
            if (hash >= 0) rest = rest[..hash];
            var v = new float[Units.Length];
            foreach (var word in rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!UnitIndex.TryGetValue(word, out var u))
                    throw new DataFormatException(source, $"line {lineNo}", $"unknown articulatory feature '{word}'");
                v[u] = 1f;
            }
            if (phonemes.Contains(ph))
                throw new DataFormatException(source, $"line {lineNo}", $"phoneme '{ph}' appears twice");
            phonemes.Add(ph);
            features.Add(v);
        }
        if (phonemes.Count == 0) throw new DataFormatException(source, "", "the feature table is empty");
        return new NettalkFeatureTable(phonemes.ToArray(), features.ToArray());
    }
}
