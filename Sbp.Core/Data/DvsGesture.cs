using System.Globalization;
using System.Text.RegularExpressions;
using Sbp.Core.Numerics;

namespace Sbp.Core.Data;

/// <summary>One labelled gesture of a recording: class 0..10 (the CSV's 1..11 minus one) and its time window in µs.</summary>
/// <param name="Class">Gesture class 0..10 (see <see cref="DvsGesture.ClassNames"/>).</param>
/// <param name="StartUs">Start of the gesture in µs (inclusive), on the recording's clock.</param>
/// <param name="EndUs">End of the gesture in µs (exclusive).</param>
public readonly record struct GestureLabel(int Class, long StartUs, long EndUs);

/// <summary>How a gesture's events become a frame sequence.</summary>
/// <param name="Frames">Number of frames per sample (the paper: 100).</param>
/// <param name="BinUs">Frame width in µs; null = the gesture's duration divided by <see cref="Frames"/>.</param>
public readonly record struct DvsFraming(int Frames = 100, long? BinUs = null)
{
    /// <summary>Side of the DVS128 sensor in pixels (128 x 128).</summary>
    public const int SensorSize = 128;
    /// <summary>Factor by which both coordinates are divided (128 → 32).</summary>
    public const int Downsample = 4;
    /// <summary>Side of a frame in pixels after down-sampling (32).</summary>
    public const int Side = SensorSize / Downsample;
    /// <summary>Inputs per frame (32 x 32 = 1,024).</summary>
    public const int PixelsPerFrame = Side * Side;
    /// <summary>The most frames per gesture accepted (the paper uses 100). The loaded data set must also fit the
    /// <see cref="DataBudget"/>: the 1,176 training gestures fit up to about 220 frames (100 take 482 MB; 1,000 would take 4.8 GB).</summary>
    public const int MaxFrames = 1000;

    /// <summary>Refuses a frame count outside 1..<see cref="MaxFrames"/> or a non-positive bin width.</summary>
    public void Validate()
    {
        if (Frames < 1 || Frames > MaxFrames)
            throw new ArgumentException($"DVS frames per gesture must be 1..{MaxFrames}, got {Frames}");
        if (BinUs is < 1)
            throw new ArgumentException($"DVS frame width must be a positive number of µs, got {BinUs}");
    }
}

/// <summary>How a gesture's frames become the rows (samples) of a data set.</summary>
public enum DvsLayout
{
    /// <summary>One sample per gesture: all its frames, flattened (frames x 1,024 inputs). The ANN's form.</summary>
    FramesFlattened,
    /// <summary>One sample per frame (1,024 inputs), every frame of every gesture in order, each with the gesture's
    /// class: row (s·F + f) for gesture s and frame f (0-based). The clean form of the reference's SNN input.</summary>
    FramePerSample,
    /// <summary>One sample per gesture: its frame <see cref="DvsEncoding.Frame"/> only (1,024 inputs).</summary>
    SingleFrame,
    /// <summary>
    /// The reference's quirk (docs/SBP-SPEC.md §7): rows are indexed s·f with s and f 1-based (gesture-major loops, the later
    /// write winning), so of the S·F rows only those that are a product s·f are written and most stay all-zero
    /// inputs with an all-zero target, labelled class 0 because MATLAB's argmax of a zero row is its first class.
    /// With S = 1,176 / 288 gestures and F = 100 frames, 61.1% / 63.2% of the rows are such empty rows.
    /// </summary>
    ReferenceFlattening,
}

/// <summary>A layout and, for <see cref="DvsLayout.SingleFrame"/>, which frame (0-based).</summary>
/// <param name="Layout">How frames become samples.</param>
/// <param name="Frame">For <see cref="DvsLayout.SingleFrame"/>: the frame kept (0-based); ignored otherwise.</param>
public readonly record struct DvsEncoding(DvsLayout Layout, int Frame = 0)
{
    /// <summary>One sample per gesture, all frames flattened.</summary>
    public static DvsEncoding FramesFlattened => new(DvsLayout.FramesFlattened);
    /// <summary>One sample per frame of every gesture.</summary>
    public static DvsEncoding FramePerSample => new(DvsLayout.FramePerSample);
    /// <summary>The reference's s·f row indexing, kept as an option to reproduce its numbers.</summary>
    public static DvsEncoding ReferenceFlattening => new(DvsLayout.ReferenceFlattening);
    /// <summary>One sample per gesture holding only frame <paramref name="frame"/> (0-based).</summary>
    public static DvsEncoding SingleFrame(int frame) => new(DvsLayout.SingleFrame, frame);

    /// <summary>Inputs per sample under <paramref name="framing"/>.</summary>
    public int Width(DvsFraming framing) => Layout == DvsLayout.FramesFlattened ? framing.Frames * DvsFraming.PixelsPerFrame : DvsFraming.PixelsPerFrame;

    /// <summary>Samples made of <paramref name="gestures"/> gestures.</summary>
    public long Rows(long gestures, DvsFraming framing) => Layout is DvsLayout.FramePerSample or DvsLayout.ReferenceFlattening ? gestures * framing.Frames : gestures;

    /// <summary>The encoding in words, as run records and tables show it.</summary>
    public override string ToString() => Layout switch
    {
        DvsLayout.FramesFlattened => "frames flattened",
        DvsLayout.FramePerSample => "one frame per sample",
        DvsLayout.SingleFrame => $"frame {Frame} only",
        _ => "the reference's s·f flattening (quirk)",
    };
}

/// <summary>
/// DVS128 Gesture (Amir et al. 2017): per recording an AEDAT 3.1 file userNN_lighting.aedat and a labels CSV
/// userNN_lighting_labels.csv (header, then class, start µs, end µs per gesture). 11 classes; users 1-23 train,
/// 24-29 test. Events are down-sampled 128 -> 32 by integer division and counted into frames of 32 x 32.
/// </summary>
public static partial class DvsGesture
{
    /// <summary>Number of gesture classes (11, "other" included).</summary>
    public const int Classes = 11;
    /// <summary>The class names in label order (0 = hand clap … 10 = other).</summary>
    public static readonly string[] ClassNames =
    [
        "hand clap", "right hand wave", "left hand wave", "right arm clockwise", "right arm counter-clockwise",
        "left arm clockwise", "left arm counter-clockwise", "arm roll", "air drums", "air guitar", "other",
    ];

    /// <summary>The largest labels CSV accepted (the data set's hold a few hundred bytes).</summary>
    public const long MaxLabelFileBytes = 1L << 20;

    /// <summary>A gesture may end at most this long after the recording's last event (the sensor is never silent
    /// for a second during a gesture); a later end is a corrupt label.</summary>
    public const long LabelSlackUs = 1_000_000;

    /// <summary>Reads a labels CSV (header, then class 1..11, start µs, end µs per line); refuses a malformed line, an unknown class or an empty window with a <see cref="DataFormatException"/> naming the line.</summary>
    public static GestureLabel[] ReadLabels(string path)
    {
        var labels = new List<GestureLabel>();
        int lineNo = 0;
        foreach (var raw in DataFile.ReadAllLines(path, MaxLabelFileBytes))
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
    /// Returns the number of events placed. This version scans every event (any order): the reference of the
    /// <see cref="PolarityTimeline"/> version, which the loader uses.
    /// </summary>
    public static int Frame(ReadOnlySpan<PolarityEvent> events, GestureLabel label, DvsFraming framing, Span<float> output, string source = "events")
    {
        long bin = Prepare(label, framing, output);
        int frames = framing.Frames;
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

    /// <summary>
    /// Counts the events of one gesture into <paramref name="output"/> exactly as
    /// <see cref="Frame(ReadOnlySpan{PolarityEvent}, GestureLabel, DvsFraming, Span{float}, string)"/> does, reading
    /// only the gesture's own events: a binary search finds its first, and the walk stops at its end or after its last
    /// frame. A recording's gestures thus cost O(G log E + the events inside them), not O(G × E).
    /// </summary>
    public static int Frame(PolarityTimeline events, GestureLabel label, DvsFraming framing, Span<float> output, string source = "events")
    {
        long bin = Prepare(label, framing, output);
        int frames = framing.Frames;
        var times = events.TimesUs;
        int placed = 0;
        for (int i = events.FirstAtOrAfter(label.StartUs); i < times.Length && times[i] < label.EndUs; i++)
        {
            long f = (times[i] - label.StartUs) / bin;
            if (f >= frames) break; // time order: every later event is in a later frame
            int x = events.X(i), y = events.Y(i);
            if ((uint)x >= DvsFraming.SensorSize || (uint)y >= DvsFraming.SensorSize)
                throw new DataFormatException(source, $"event {events.FileIndex(i)}", $"pixel ({x}, {y}) outside the {DvsFraming.SensorSize}x{DvsFraming.SensorSize} sensor");
            int px = (y / DvsFraming.Downsample) * DvsFraming.Side + x / DvsFraming.Downsample;
            output[(int)f * DvsFraming.PixelsPerFrame + px] += 1f;
            placed++;
        }
        return placed;
    }

    /// <summary>Checks the framing and the output length, clears the output; returns the frame width in µs.</summary>
    private static long Prepare(GestureLabel label, DvsFraming framing, Span<float> output)
    {
        framing.Validate();
        int frames = framing.Frames;
        if (output.Length != frames * DvsFraming.PixelsPerFrame)
            throw new ArgumentException($"output holds {output.Length} values; {frames} frames need {frames * DvsFraming.PixelsPerFrame}");
        long bin = framing.BinUs ?? Math.Max(1, (label.EndUs - label.StartUs) / frames + ((label.EndUs - label.StartUs) % frames == 0 ? 0 : 1));
        output.Clear();
        return bin;
    }

    [GeneratedRegex(@"^user(\d+)_(.+)\.aedat$", RegexOptions.IgnoreCase)]
    private static partial Regex RecordingName();

    /// <summary>The users of the data set: 1..<see cref="LastUser"/>.</summary>
    public const int FirstUser = 1;
    /// <summary>The last user of the training split (users 1-23 train).</summary>
    public const int LastTrainUser = 23;
    /// <summary>The last user of the data set (users 24-29 test).</summary>
    public const int LastUser = 29;

    /// <summary>
    /// The recordings (aedat path, labels path, user) found in <paramref name="directory"/> and its subfolders, in
    /// ordinal order of their paths. Folders reached through a symbolic link are not entered (a link loop would list
    /// the same recordings again and again); a recording of a user outside 1-29 is refused, naming the file.
    /// </summary>
    public static (string Aedat, string Labels, int User)[] FindRecordings(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DataAccessException(directory, File.Exists(directory) ? "is a file; expected the folder of the recordings" : "does not exist");
        var list = new List<(string, string, int)>();
        foreach (var path in AedatFiles(directory).OrderBy(p => p, StringComparer.Ordinal))
        {
            var m = RecordingName().Match(Path.GetFileName(path));
            if (!m.Success) continue;
            if (!int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int user) || user < FirstUser || user > LastUser)
                throw new DataFormatException(path, "",
                    $"user {m.Groups[1].Value} is not a user of DVS128 Gesture ({FirstUser}-{LastTrainUser} train, {LastTrainUser + 1}-{LastUser} test)");
            var labels = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "_labels.csv");
            if (Directory.Exists(labels))
                throw new DataAccessException(labels, "is a folder; expected a file");
            if (!DataFile.Exists(labels))
                throw new DataFormatException(path, "", $"recording has no labels file {Path.GetFileName(labels)} beside it");
            list.Add((path, labels, user));
        }
        if (list.Count == 0)
            throw new DataFormatException(directory, "", "no userNN_*.aedat recordings found");
        return list.ToArray();
    }

    /// <summary>The *.aedat files of <paramref name="directory"/> and of its subfolders, except subfolders that are symbolic links.</summary>
    private static List<string> AedatFiles(string directory)
    {
        var files = new List<string>();
        var pending = new Stack<string>();
        pending.Push(directory);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            try
            {
                files.AddRange(Directory.EnumerateFiles(folder, "*.aedat"));
                foreach (var sub in Directory.EnumerateDirectories(folder))
                    if (new DirectoryInfo(sub).LinkTarget is null) pending.Push(sub);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new DataAccessException(folder, "cannot be read: permission denied", e);
            }
            catch (IOException e)
            {
                throw new DataAccessException(folder, $"cannot be read: {e.Message.ReplaceLineEndings(" ")}", e);
            }
        }
        return files;
    }

    /// <summary>Users 1-23 for training and 24-29 for testing, as in the data set's own split, all frames flattened.</summary>
    public static DataSplit Load(string directory, DvsFraming framing) => Load(directory, framing, DvsEncoding.FramesFlattened);

    /// <summary>Users 1-23 for training and 24-29 for testing, as in the data set's own split.</summary>
    public static DataSplit Load(string directory, DvsFraming framing, DvsEncoding encoding)
    {
        framing.Validate();
        if (encoding.Layout == DvsLayout.SingleFrame && (encoding.Frame < 0 || encoding.Frame >= framing.Frames))
            throw new ArgumentException($"DVS frame {encoding.Frame} is outside the {framing.Frames} frames of a gesture");
        var recs = FindRecordings(directory);
        var train = recs.Where(r => r.User <= LastTrainUser).ToArray();
        var test = recs.Where(r => r.User > LastTrainUser).ToArray();
        if (train.Length == 0) throw new DataFormatException(directory, "", "no recordings of users 1-23: the training split would be empty");
        if (test.Length == 0) throw new DataFormatException(directory, "", "no recordings of users 24-29: the test split would be empty");
        return new DataSplit(LoadUsers(train, framing, encoding, "train users 1-23"), LoadUsers(test, framing, encoding, "test users 24-29"));
    }

    private static DataSet LoadUsers((string Aedat, string Labels, int User)[] recs, DvsFraming framing, DvsEncoding encoding, string note)
    {
        int frames = framing.Frames, pixels = DvsFraming.PixelsPerFrame;
        var labelSets = recs.Select(r => ReadLabels(r.Labels)).ToArray();
        long gestures = labelSets.Sum(l => (long)l.Length);
        if (gestures == 0) throw new DataFormatException(recs[0].Labels, "", $"no labelled gestures in the recordings of the {note}: the split would be empty");
        int width = encoding.Width(framing);
        long rows = encoding.Rows(gestures, framing);
        if (!DataBudget.Fits(rows, width, Classes))
        {
            int most = 0;
            for (int r = 1; r < recs.Length; r++) if (labelSets[r].Length > labelSets[most].Length) most = r;
            DataBudget.Check(recs[most].Labels,
                $"{labelSets[most].Length} gestures here, {gestures} in the labels files of the {note}, at {frames} frames of {pixels} pixels ({encoding}); use fewer frames",
                rows, width, Classes);
        }
        var features = new Matrix((int)rows, width);
        var y = new int[rows];
        var targets = new Matrix((int)rows, Classes);
        var buffer = new float[frames * pixels];
        long s = 0;
        for (int r = 0; r < recs.Length; r++)
        {
            var (aedat, labelsPath, _) = recs[r];
            var events = Aedat.ReadTimeline(aedat);
            long last = events.LastUs;
            for (int k = 0; k < labelSets[r].Length; k++, s++)
            {
                var label = labelSets[r][k];
                if (label.EndUs > last + LabelSlackUs)
                    throw new DataFormatException(labelsPath, $"gesture {k + 1}",
                        $"the gesture ends at {label.EndUs} µs, more than {LabelSlackUs / 1_000_000} s after the recording's last event ({last} µs in {Path.GetFileName(aedat)})");
                Frame(events, label, framing, buffer, aedat);
                Place(buffer, label.Class, s, gestures, frames, encoding, features, targets, y);
            }
        }
        string bin = framing.BinUs is long b ? $"{b} µs bins" : "bins = duration / frames";
        int[] shape = encoding.Layout == DvsLayout.FramesFlattened ? [frames, DvsFraming.Side, DvsFraming.Side] : [DvsFraming.Side, DvsFraming.Side];
        return new DataSet("dvs", $"DVS128 Gesture AEDAT 3.1, {recs.Length} recordings, {note}, {frames} frames, {bin}, {encoding}",
            features, targets, y, Classes, shape);
    }

    /// <summary>Writes gesture <paramref name="s"/> (0-based, of <paramref name="gestures"/>) into its row(s).</summary>
    private static void Place(float[] framesOfGesture, int cls, long s, long gestures, int frames, DvsEncoding encoding, Matrix x, Matrix t, int[] y)
    {
        const int pixels = DvsFraming.PixelsPerFrame;
        void write(long row, int frame, int count = 1)
        {
            framesOfGesture.AsSpan(frame * pixels, count * pixels).CopyTo(x.Row((int)row));
            t.Row((int)row).Clear();
            t[(int)row, cls] = 1f;
            y[row] = cls;
        }
        switch (encoding.Layout)
        {
            case DvsLayout.FramesFlattened: write(s, 0, frames); break;
            case DvsLayout.SingleFrame: write(s, encoding.Frame); break;
            case DvsLayout.FramePerSample:
                for (int f = 0; f < frames; f++) write(s * frames + f, f);
                break;
            case DvsLayout.ReferenceFlattening:
                // MATLAB: for s = 1:S, for f = 1:F, X(s*f, :) = frame f of gesture s; rows never written stay zero.
                for (int f = 1; f <= frames; f++) write((s + 1) * f - 1, f - 1);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(encoding));
        }
    }
}
