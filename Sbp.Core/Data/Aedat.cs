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
        int pos = SkipHeader(b, source);
        var events = new List<PolarityEvent>();
        int packet = 0;
        while (pos < b.Length)
        {
            string at = $"packet {packet} at byte {pos}";
            if (b.Length - pos < PacketHeaderBytes)
                throw new DataFormatException(source, at, $"truncated packet header: {b.Length - pos} bytes left, a header has {PacketHeaderBytes}");
            var h = b.AsSpan(pos, PacketHeaderBytes);
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
            if (payload > b.Length - pos)
                throw new DataFormatException(source, at, $"truncated packet: {number} events of {size} bytes need {payload} bytes, {b.Length - pos} are left");
            if (type == PolarityType)
            {
                if (size != PolarityEventBytes)
                    throw new DataFormatException(source, at, $"polarity events are {PolarityEventBytes} bytes, the header says {size}");
                long high = (long)overflow << 31;
                for (int i = 0; i < number; i++)
                {
                    var e = b.AsSpan(pos + i * size, size);
                    uint data = BinaryPrimitives.ReadUInt32LittleEndian(e);
                    if ((data & 1) == 0) continue;
                    int ts = BinaryPrimitives.ReadInt32LittleEndian(e[tsOffset..]);
                    if (ts < 0)
                        throw new DataFormatException(source, $"{at}, event {i}", $"negative timestamp {ts}");
                    events.Add(new PolarityEvent(high | (uint)ts, (int)(data >> 17), (int)((data >> 2) & 0x7FFF), (data & 2) != 0));
                }
            }
            pos += (int)payload;
            packet++;
        }
        return events.ToArray();
    }

    private static int SkipHeader(byte[] b, string source)
    {
        int pos = 0, line = 0;
        while (true)
        {
            line++;
            if (pos >= b.Length)
                throw new DataFormatException(source, $"header line {line}", $"the file ends before {EndOfHeader}");
            if (b[pos] != (byte)'#')
                throw new DataFormatException(source, $"header line {line}, byte {pos}", $"header lines start with '#'; expected {EndOfHeader} before the first packet");
            int nl = Array.IndexOf(b, (byte)'\n', pos);
            if (nl < 0)
                throw new DataFormatException(source, $"header line {line}, byte {pos}", "header line does not end (CRLF expected)");
            int end = nl > pos && b[nl - 1] == (byte)'\r' ? nl - 1 : nl;
            var text = Encoding.ASCII.GetString(b, pos, end - pos);
            if (line == 1 && text != Magic)
                throw new DataFormatException(source, "header line 1, byte 0", $"expected '{Magic}', found '{Truncate(text)}'");
            pos = nl + 1;
            if (text == EndOfHeader) return pos;
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
                uint data = 1u | (ev.On ? 2u : 0u) | ((uint)ev.Y << 2) | ((uint)ev.X << 17);
                BinaryPrimitives.WriteUInt32LittleEndian(e, data);
                BinaryPrimitives.WriteInt32LittleEndian(e[4..], (int)(ev.TimeUs & 0x7FFFFFFF));
                ms.Write(e);
            }
            i += n;
        }
        return ms.ToArray();
    }
}
