using System.Globalization;
using System.Text.RegularExpressions;
using Sbp.Core.Numerics;

namespace Sbp.Core.Data;

/// <summary>One labelled gesture of a recording: class 0..10 (the CSV's 1..11 minus one) and its time window in µs.</summary>
public readonly record struct GestureLabel(int Class, long StartUs, long EndUs);

/// <summary>How a gesture's events become a frame sequence.</summary>
/// <param name="Frames">Number of frames per sample (the paper: 100).</param>
/// <param name="BinUs">Frame width in µs; null = the gesture's duration divided by <see cref="Frames"/>.</param>
public readonly record struct DvsFraming(int Frames = 100, long? BinUs = null)
{
    public const int SensorSize = 128;
    public const int Downsample = 4;
    public const int Side = SensorSize / Downsample;
    public const int PixelsPerFrame = Side * Side;
}

/// <summary>
/// DVS128 Gesture (Amir et al. 2017): per recording an AEDAT 3.1 file userNN_lighting.aedat and a labels CSV
/// userNN_lighting_labels.csv (header, then class, start µs, end µs per gesture). 11 classes; users 1-23 train,
/// 24-29 test. Events are down-sampled 128 -> 32 by integer division and counted into frames of 32 x 32.
/// </summary>
public static partial class DvsGesture
{
    public const int Classes = 11;
    public static readonly string[] ClassNames =
    [
        "hand clap", "right hand wave", "left hand wave", "right arm clockwise", "right arm counter-clockwise",
        "left arm clockwise", "left arm counter-clockwise", "arm roll", "air drums", "air guitar", "other",
    ];

    public static GestureLabel[] ReadLabels(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        var labels = new List<GestureLabel>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (lineNo == 1 || line.Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != 3
                || !int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c)
                || !long.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var end))
                throw new DataFormatException(path, $"line {lineNo}", "expected 'class,startTime_usec,endTime_usec' as three integers");
            if (c < 1 || c > Classes)
                throw new DataFormatException(path, $"line {lineNo}", $"class {c} outside 1..{Classes}");
            if (start < 0 || end <= start)
                throw new DataFormatException(path, $"line {lineNo}", $"time window [{start}, {end}) is empty or negative");
            labels.Add(new GestureLabel(c - 1, start, end));
        }
        return labels.ToArray();
    }

    /// <summary>
    /// Counts the events of one gesture into <paramref name="output"/> (frames x 32 x 32, cleared first): the event at
    /// time t goes to frame (t - start) / bin at pixel (y/4, x/4); events outside the frames are left out.
    /// Returns the number of events placed.
    /// </summary>
    public static int Frame(ReadOnlySpan<PolarityEvent> events, GestureLabel label, DvsFraming framing, Span<float> output, string source = "events")
    {
        int frames = framing.Frames;
        if (frames < 1) throw new ArgumentException($"frames must be positive, got {frames}");
        if (output.Length != frames * DvsFraming.PixelsPerFrame)
            throw new ArgumentException($"output holds {output.Length} values; {frames} frames need {frames * DvsFraming.PixelsPerFrame}");
        long bin = framing.BinUs ?? Math.Max(1, (label.EndUs - label.StartUs + frames - 1) / frames);
        if (bin < 1) throw new ArgumentException($"frame width must be positive, got {bin} µs");
        output.Clear();
        int placed = 0;
        for (int i = 0; i < events.Length; i++)
        {
            var e = events[i];
            if (e.TimeUs < label.StartUs || e.TimeUs >= label.EndUs) continue;
            long f = (e.TimeUs - label.StartUs) / bin;
            if (f >= frames) continue;
            if ((uint)e.X >= DvsFraming.SensorSize || (uint)e.Y >= DvsFraming.SensorSize)
                throw new DataFormatException(source, $"event {i}", $"pixel ({e.X}, {e.Y}) outside the {DvsFraming.SensorSize}x{DvsFraming.SensorSize} sensor");
            int px = (e.Y / DvsFraming.Downsample) * DvsFraming.Side + e.X / DvsFraming.Downsample;
            output[(int)f * DvsFraming.PixelsPerFrame + px] += 1f;
            placed++;
        }
        return placed;
    }

    [GeneratedRegex(@"^user(\d+)_(.+)\.aedat$", RegexOptions.IgnoreCase)]
    private static partial Regex RecordingName();

    /// <summary>The recordings (aedat path, labels path, user) found in <paramref name="directory"/>.</summary>
    public static (string Aedat, string Labels, int User)[] FindRecordings(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"DVS128 Gesture directory {directory} does not exist");
        var list = new List<(string, string, int)>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.aedat", SearchOption.AllDirectories).OrderBy(p => p, StringComparer.Ordinal))
        {
            var m = RecordingName().Match(Path.GetFileName(path));
            if (!m.Success) continue;
            var labels = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "_labels.csv");
            if (!File.Exists(labels))
                throw new DataFormatException(path, "", $"recording has no labels file {Path.GetFileName(labels)} beside it");
            list.Add((path, labels, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        }
        if (list.Count == 0)
            throw new DataFormatException(directory, "", "no userNN_*.aedat recordings found");
        return list.ToArray();
    }

    /// <summary>Users 1-23 for training and 24-29 for testing, as in the data set's own split.</summary>
    public static DataSplit Load(string directory, DvsFraming framing)
    {
        var recs = FindRecordings(directory);
        return new DataSplit(
            LoadUsers(recs.Where(r => r.User <= 23).ToArray(), framing, "train users 1-23"),
            LoadUsers(recs.Where(r => r.User >= 24).ToArray(), framing, "test users 24-29"));
    }

    private static DataSet LoadUsers((string Aedat, string Labels, int User)[] recs, DvsFraming framing, string note)
    {
        int width = framing.Frames * DvsFraming.PixelsPerFrame;
        var rows = new List<float[]>();
        var classes = new List<int>();
        foreach (var (aedat, labelsPath, _) in recs)
        {
            var labels = ReadLabels(labelsPath);
            var events = Aedat.ReadPolarityEvents(aedat);
            foreach (var label in labels)
            {
                var x = new float[width];
                Frame(events, label, framing, x, aedat);
                rows.Add(x);
                classes.Add(label.Class);
            }
        }
        if (rows.Count == 0) throw new DataFormatException(note, "", "no labelled gestures found for these users");
        var features = new Matrix(rows.Count, width);
        for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(features.Row(i));
        var y = classes.ToArray();
        string bin = framing.BinUs is long b ? $"{b} µs bins" : "bins = duration / frames";
        return new DataSet("dvs", $"DVS128 Gesture AEDAT 3.1, {recs.Length} recordings, {note}, {framing.Frames} frames, {bin}",
            features, DataSet.OneHot(y, Classes), y, Classes, [framing.Frames, DvsFraming.Side, DvsFraming.Side]);
    }
}
