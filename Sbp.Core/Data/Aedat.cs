using System.Buffers.Binary;
using System.Text;

namespace Sbp.Core.Data;

/// <summary>One polarity event of a DVS sensor.</summary>
/// <param name="TimeUs">Time stamp in µs, overflow included.</param>
/// <param name="X">Column on the sensor, 0..127.</param>
/// <param name="Y">Row on the sensor, 0..127.</param>
/// <param name="On">True for an ON (brightness increase) event, false for OFF.</param>
public readonly record struct PolarityEvent(long TimeUs, int X, int Y, bool On);

/// <summary>
/// The valid polarity events of one recording in time order, held column-wise: a time (8 bytes) and the AEDAT data
/// word (4 bytes) per event, half a <see cref="PolarityEvent"/> array's 24. Events that a file holds out of time order
/// are sorted once (counts do not depend on order), and each keeps its index in file order for messages. Time order
/// lets a gesture's events be found by binary search instead of a scan of the whole recording.
/// </summary>
public sealed class PolarityTimeline
{
    /// <summary>Bytes held per event (a time and a data word).</summary>
    public const int BytesPerEvent = sizeof(long) + sizeof(uint);

    private readonly long[] _times;
    private readonly uint[] _data;
    private readonly int[]? _fileIndex; // null: file order is time order

    internal PolarityTimeline(long[] times, uint[] data, int count)
    {
        Count = count;
        for (int i = 1; i < count; i++)
        {
            if (times[i] >= times[i - 1]) continue;
            // out of order: sort a copy by time, carrying each event's file index
            var keys = times.AsSpan(0, count).ToArray();
            var order = new int[count];
            for (int k = 0; k < count; k++) order[k] = k;
            Array.Sort(keys, order);
            var sorted = new uint[count];
            for (int k = 0; k < count; k++) sorted[k] = data[order[k]];
            (times, data, _fileIndex) = (keys, sorted, order);
            break;
        }
        _times = times;
        _data = data;
    }

    /// <summary>The timeline of <paramref name="events"/> (any order); X and Y must fit AEDAT's 15-bit fields (0..32767).</summary>
    public static PolarityTimeline FromEvents(ReadOnlySpan<PolarityEvent> events)
    {
        var times = new long[events.Length];
        var data = new uint[events.Length];
        for (int i = 0; i < events.Length; i++)
        {
            var e = events[i];
            if ((uint)e.X > 0x7FFF || (uint)e.Y > 0x7FFF)
                throw new ArgumentException($"event {i}: pixel ({e.X}, {e.Y}) does not fit AEDAT's 15-bit x and y fields");
            times[i] = e.TimeUs;
            data[i] = Aedat.Encode(e);
        }
        return new PolarityTimeline(times, data, events.Length);
    }

    /// <summary>Number of events.</summary>
    public int Count { get; }

    /// <summary>The time of the last event in µs (0 for an empty recording).</summary>
    public long LastUs => Count == 0 ? 0 : _times[Count - 1];

    /// <summary>The times of the events in µs, ascending.</summary>
    public ReadOnlySpan<long> TimesUs => _times.AsSpan(0, Count);

    /// <summary>The <paramref name="i"/>-th event in time order.</summary>
    public PolarityEvent this[int i] => Aedat.Decode(_times[i], _data[i]);

    /// <summary>The column (x) of the <paramref name="i"/>-th event.</summary>
    internal int X(int i) => (int)(_data[i] >> 17);

    /// <summary>The row (y) of the <paramref name="i"/>-th event.</summary>
    internal int Y(int i) => (int)((_data[i] >> 2) & 0x7FFF);

    /// <summary>The index in file order (among the valid polarity events) of the <paramref name="i"/>-th event in time order.</summary>
    public int FileIndex(int i) => _fileIndex is null ? i : _fileIndex[i];

    /// <summary>The index of the first event at or after <paramref name="timeUs"/> (<see cref="Count"/> when none is).</summary>
    public int FirstAtOrAfter(long timeUs)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (_times[mid] < timeUs) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}

/// <summary>
/// AEDAT 3.1 (iniVation / jAER): text header lines, each starting with '#' and ending CRLF, from "#!AER-DAT3.1" to
/// "#!END-HEADER"; then packets. A packet is a 28-byte little-endian header (int16 eventType, int16 eventSource,
/// int32 eventSize, int32 eventTSOffset, int32 eventTSOverflow, int32 eventCapacity, int32 eventNumber,
/// int32 eventValid) followed by eventNumber events of eventSize bytes. A polarity event (type 1, 8 bytes) is uint32
/// data + int32 timestamp in µs: bit 0 valid, bit 1 polarity, bits 2-16 y, bits 17-31 x; its full time is
/// (eventTSOverflow &lt;&lt; 31) | timestamp. Events of other known types are skipped; an unknown type is an error.
/// </summary>
public static class Aedat
{
    /// <summary>The first header line of an AEDAT 3.1 file.</summary>
    public const string Magic = "#!AER-DAT3.1";
    /// <summary>The header line after which the binary packets start.</summary>
    public const string EndOfHeader = "#!END-HEADER";
    /// <summary>Size of a packet header in bytes.</summary>
    public const int PacketHeaderBytes = 28;
    /// <summary>The eventType of polarity events (the only type read; other known types are skipped).</summary>
    public const short PolarityType = 1;
    /// <summary>Size of one polarity event in bytes (uint32 data + int32 timestamp).</summary>
    public const int PolarityEventBytes = 8;
    /// <summary>The event types of the format (0 special .. 11); anything else is rejected.</summary>
    public const short LastKnownType = 11;

    /// <summary>Reads a recording (at most <see cref="DataFile.DefaultMaxBytes"/>; DVS128 Gesture's are below 200 MB).</summary>
    public static PolarityEvent[] ReadPolarityEvents(string path) => Parse(DataFile.ReadAllBytes(path), path);

    /// <summary>Parses the bytes of a recording: the valid polarity events in file order. <paramref name="source"/> names the file in errors; bad content raises <see cref="DataFormatException"/>.</summary>
    public static PolarityEvent[] Parse(byte[] b, string source)
    {
        var events = new List<PolarityEvent>();
        using var s = new MemoryStream(b, writable: false);
        Walk(s, source, (time, data) => events.Add(Decode(time, data)));
        return events.ToArray();
    }

    /// <summary>The most polarity events one recording may declare: <see cref="DataBudget.MaxBytes"/> at the 12 bytes a
    /// <see cref="PolarityTimeline"/> holds per event (89 million; DVS128 Gesture's recordings hold at most about 25 million).</summary>
    public const long MaxEvents = DataBudget.MaxBytes / PolarityTimeline.BytesPerEvent;

    /// <summary>
    /// Reads a recording packet by packet from the file, without holding its bytes: a first pass reads only the packet
    /// headers (checking every one and counting the polarity events they declare, refused over <see cref="MaxEvents"/>),
    /// a second decodes the polarity events into arrays of exactly that size. The events are those of
    /// <see cref="ReadPolarityEvents"/>, in time order; errors are the same, a bad header found before any event.
    /// </summary>
    public static PolarityTimeline ReadTimeline(string path)
    {
        using var s = DataFile.OpenRead(path, DataFile.DefaultMaxBytes);
        try
        {
            long declared = Walk(s, path, null);
            if (declared > MaxEvents)
                throw new DataAccessException(path,
                    $"its packets declare {declared} polarity events, which need {declared * PolarityTimeline.BytesPerEvent} bytes, more than the {MaxEvents}-event ({DataBudget.MaxBytes}-byte) budget of one recording");
            var times = new long[declared];
            var data = new uint[declared];
            int n = 0;
            s.Position = 0;
            Walk(s, path, (time, word) => { times[n] = time; data[n] = word; n++; });
            return new PolarityTimeline(times, data, n);
        }
        catch (Exception e) when (DataFile.IsAccessFailure(e))
        {
            throw DataFile.Access(path, e);
        }
    }

    /// <summary>The event of a valid polarity data word (bit 1 polarity, bits 2-16 y, bits 17-31 x) at <paramref name="timeUs"/>.</summary>
    internal static PolarityEvent Decode(long timeUs, uint data) => new(timeUs, (int)(data >> 17), (int)((data >> 2) & 0x7FFF), (data & 2) != 0);

    /// <summary>The data word of a valid polarity event (x and y must fit the format's 15-bit fields).</summary>
    internal static uint Encode(PolarityEvent e) => 1u | (e.On ? 2u : 0u) | ((uint)e.Y << 2) | ((uint)e.X << 17);

    /// <summary>
    /// Walks the header and the packets of a recording from the start of <paramref name="s"/>, checking each packet
    /// header; hands every valid polarity event (full time, data word) to <paramref name="add"/>, or, when it is null,
    /// skips the payloads unread. Returns the number of polarity events the packets declare.
    /// </summary>
    private static long Walk(Stream s, string source, Action<long, uint>? add)
    {
        long length = s.Length;
        long pos = SkipHeader(s, source);
        Span<byte> h = stackalloc byte[PacketHeaderBytes];
        byte[]? chunk = add is null ? null : new byte[8192 * PolarityEventBytes];
        long declared = 0;
        int packet = 0;
        while (pos < length)
        {
            string at = $"packet {packet} at byte {pos}";
            if (length - pos < PacketHeaderBytes)
                throw new DataFormatException(source, at, $"truncated packet header: {length - pos} bytes left, a header has {PacketHeaderBytes}");
            s.ReadExactly(h);
            short type = BinaryPrimitives.ReadInt16LittleEndian(h);
            int size = BinaryPrimitives.ReadInt32LittleEndian(h[4..]);
            int tsOffset = BinaryPrimitives.ReadInt32LittleEndian(h[8..]);
            int overflow = BinaryPrimitives.ReadInt32LittleEndian(h[12..]);
            int number = BinaryPrimitives.ReadInt32LittleEndian(h[20..]);
            int valid = BinaryPrimitives.ReadInt32LittleEndian(h[24..]);
            if (type < 0 || type > LastKnownType)
                throw new DataFormatException(source, at, $"unknown event type {type}; AEDAT 3.1 defines types 0..{LastKnownType}");
            if (size <= 0 || number < 0 || valid < 0 || valid > number || overflow < 0)
                throw new DataFormatException(source, at, $"invalid packet header (eventSize {size}, eventNumber {number}, eventValid {valid}, eventTSOverflow {overflow})");
            if (tsOffset < 0 || tsOffset > size - 4)
                throw new DataFormatException(source, at, $"eventTSOffset {tsOffset} does not fit in a {size}-byte event");
            long payload = (long)size * number;
            pos += PacketHeaderBytes;
            if (payload > length - pos)
                throw new DataFormatException(source, at, $"truncated packet: {number} events of {size} bytes need {payload} bytes, {length - pos} are left");
            if (type == PolarityType)
            {
                if (size != PolarityEventBytes)
                    throw new DataFormatException(source, at, $"polarity events are {PolarityEventBytes} bytes, the header says {size}");
                declared += number;
            }
            if (type == PolarityType && add is not null)
            {
                long high = (long)overflow << 31;
                for (int first = 0; first < number;)
                {
                    int n = Math.Min(number - first, chunk!.Length / PolarityEventBytes);
                    var events = chunk.AsSpan(0, n * PolarityEventBytes);
                    s.ReadExactly(events);
                    for (int k = 0; k < n; k++)
                    {
                        var e = events.Slice(k * PolarityEventBytes, PolarityEventBytes);
                        uint data = BinaryPrimitives.ReadUInt32LittleEndian(e);
                        if ((data & 1) == 0) continue;
                        int ts = BinaryPrimitives.ReadInt32LittleEndian(e[tsOffset..]);
                        if (ts < 0)
                            throw new DataFormatException(source, $"{at}, event {first + k}", $"negative timestamp {ts}");
                        add(high | (uint)ts, data);
                    }
                    first += n;
                }
            }
            else
            {
                s.Seek(payload, SeekOrigin.Current);
            }
            pos += payload;
            packet++;
        }
        return declared;
    }

    /// <summary>Reads the text header from the start of <paramref name="s"/>; returns the offset of the first packet.</summary>
    private static long SkipHeader(Stream s, string source)
    {
        s.Position = 0;
        long pos = 0;
        int line = 0;
        Span<byte> text = stackalloc byte[64]; // the start of each line: enough to compare and to quote
        while (true)
        {
            line++;
            int c = s.ReadByte();
            if (c < 0)
                throw new DataFormatException(source, $"header line {line}", $"the file ends before {EndOfHeader}");
            if (c != '#')
                throw new DataFormatException(source, $"header line {line}, byte {pos}", $"header lines start with '#'; expected {EndOfHeader} before the first packet");
            long n = 0; // bytes of the line before its '\n'
            for (; c != '\n'; c = s.ReadByte(), n++)
            {
                if (c < 0)
                    throw new DataFormatException(source, $"header line {line}, byte {pos}", "header line does not end (CRLF expected)");
                if (n < text.Length) text[(int)n] = (byte)c;
            }
            long end = n > 0 && n <= text.Length && text[(int)n - 1] == '\r' ? n - 1 : n; // n > 64: '\r' or not, matches nothing
            var line0 = Encoding.ASCII.GetString(text[..(int)Math.Min(end, text.Length)]);
            bool whole = end <= text.Length;
            if (line == 1 && !(whole && line0 == Magic))
                throw new DataFormatException(source, "header line 1, byte 0", $"expected '{Magic}', found '{Truncate(whole ? line0 : line0 + "...")}'");
            pos += n + 1;
            if (whole && line0 == EndOfHeader) return pos;
        }
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";

    /// <summary>Writes polarity events as an AEDAT 3.1 file (one packet per <paramref name="packetSize"/> events).</summary>
    public static byte[] Encode(IReadOnlyList<PolarityEvent> events, int packetSize = 4096)
    {
        using var ms = new MemoryStream();
        var header = $"{Magic}\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 1970-01-01 00:00:00\r\n{EndOfHeader}\r\n";
        ms.Write(Encoding.ASCII.GetBytes(header));
        Span<byte> h = stackalloc byte[PacketHeaderBytes];
        Span<byte> e = stackalloc byte[PolarityEventBytes];
        int i = 0;
        while (i < events.Count)
        {
            int overflow = (int)(events[i].TimeUs >> 31);
            int n = 0;
            while (i + n < events.Count && n < packetSize && (int)(events[i + n].TimeUs >> 31) == overflow) n++;
            h.Clear();
            BinaryPrimitives.WriteInt16LittleEndian(h, PolarityType);
            BinaryPrimitives.WriteInt32LittleEndian(h[4..], PolarityEventBytes);
            BinaryPrimitives.WriteInt32LittleEndian(h[8..], 4);
            BinaryPrimitives.WriteInt32LittleEndian(h[12..], overflow);
            BinaryPrimitives.WriteInt32LittleEndian(h[16..], n);
            BinaryPrimitives.WriteInt32LittleEndian(h[20..], n);
            BinaryPrimitives.WriteInt32LittleEndian(h[24..], n);
            ms.Write(h);
            for (int k = 0; k < n; k++)
            {
                var ev = events[i + k];
                BinaryPrimitives.WriteUInt32LittleEndian(e, Encode(ev));
                BinaryPrimitives.WriteInt32LittleEndian(e[4..], (int)(ev.TimeUs & 0x7FFFFFFF));
                ms.Write(e);
            }
            i += n;
        }
        return ms.ToArray();
    }
}
