module Sbp.Tests.Data.AedatTests

open System
open System.Buffers.Binary
open System.IO
open Expecto
open Sbp.Core.Data
open Sbp.Tests.TestSupport

let private ev t x y on = PolarityEvent(t, x, y, on)

/// A packet written field by field, independently of Aedat.Encode.
let private packet (typ: int16) (size: int) (overflow: int) (events: (uint32 * int) list) =
    let h = Array.zeroCreate<byte> 28
    BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(0), typ)
    BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(4), size)
    BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(8), 4)
    BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(12), overflow)
    BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(16), events.Length)
    BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(20), events.Length)
    BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(24), events.Length)
    let body =
        [| for (data, ts) in events do
               let e = Array.zeroCreate<byte> size
               BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(0), data)
               BinaryPrimitives.WriteInt32LittleEndian(e.AsSpan(4), ts)
               yield! e |]
    Array.append h body

let private header = Text.Encoding.ASCII.GetBytes "#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 2017\r\n#!END-HEADER\r\n"
let private polarity valid on y x = (if valid then 1u else 0u) ||| (if on then 2u else 0u) ||| (uint32 y <<< 2) ||| (uint32 x <<< 17)

[<Tests>]
let tests =
    testList "Data/AEDAT 3.1" [
        testCase "several packets, a timestamp overflow, invalid and special events read back exactly" <| fun () ->
            let bytes =
                Array.concat [
                    header
                    packet 1s 8 0 [ polarity true true 5 127, 10; polarity false true 1 1, 11; polarity true false 127 0, 2_000_000_000 ]
                    packet 0s 8 0 [ 0x1234u, 12 ] // a special event: skipped
                    packet 1s 8 1 [ polarity true true 64 32, 7 ] ]
            let events = Aedat.Parse(bytes, "t.aedat")
            let expected = [| ev 10L 127 5 true; ev 2_000_000_000L 0 127 false; ev ((1L <<< 31) ||| 7L) 32 64 true |]
            Expect.equal events expected "events"

        testCase "Encode then Parse is the identity on valid events, overflow included" <| fun () ->
            let rnd = Sbp.Core.Numerics.Rng(3UL)
            let events =
                Array.init 5000 (fun i -> ev (int64 i * 1_000_003L + (if i > 2500 then 3L <<< 31 else 0L)) (rnd.NextInt 128) (rnd.NextInt 128) (rnd.NextInt 2 = 1))
            let back = Aedat.Parse(Aedat.Encode(events, 700), "round.aedat")
            Expect.equal back events "round trip"

        testCase "a bad header, a truncated packet and an unknown event type are errors naming the place" <| fun () ->
            let e = throwsOf<DataFormatException> (fun () -> Aedat.Parse(Text.Encoding.ASCII.GetBytes "#!AER-DAT2.0\r\n#!END-HEADER\r\n", "h.aedat") |> ignore) "header"
            Expect.equal e.Position "header line 1, byte 0" "position"
            throwsOf<DataFormatException> (fun () -> Aedat.Parse(Text.Encoding.ASCII.GetBytes "#!AER-DAT3.1\r\n", "h.aedat") |> ignore) "no end" |> ignore
            let good = Array.append header (packet 1s 8 0 [ polarity true true 1 1, 1; polarity true true 2 2, 2 ])
            let e = throwsOf<DataFormatException> (fun () -> Aedat.Parse(good[.. good.Length - 3], "t.aedat") |> ignore) "truncated"
            Expect.stringContains e.Position "packet 0" "packet named"
            Expect.stringContains e.Problem "truncated packet" "problem"
            let e = throwsOf<DataFormatException> (fun () -> Aedat.Parse(Array.append good (Array.zeroCreate 10), "t.aedat") |> ignore) "short header"
            Expect.stringContains e.Position "packet 1" "second packet"
            let e = throwsOf<DataFormatException> (fun () -> Aedat.Parse(Array.append header (packet 42s 8 0 [ 0u, 0 ]), "t.aedat") |> ignore) "type"
            Expect.stringContains e.Problem "unknown event type 42" "type named"

        testCase "labels CSV: 1-based classes become 0-based; bad rows are errors" <| fun () ->
            use d = new TempDir()
            File.WriteAllLines(d.File "l.csv", [ "class,startTime_usec,endTime_usec"; "1,100,200"; "11,300,400" ])
            Expect.equal (DvsGesture.ReadLabels(d.File "l.csv")) [| GestureLabel(0, 100L, 200L); GestureLabel(10, 300L, 400L) |] "labels"
            File.WriteAllLines(d.File "l.csv", [ "class,startTime_usec,endTime_usec"; "12,100,200" ])
            let e = throwsOf<DataFormatException> (fun () -> DvsGesture.ReadLabels(d.File "l.csv") |> ignore) "class"
            Expect.equal e.Position "line 2" "line"

        testCase "frames count exactly the events placed in them, down-sampled 128 -> 32" <| fun () ->
            let label = GestureLabel(0, 1000L, 2000L)
            let events = [| ev 999L 0 0 true; ev 1000L 0 0 true; ev 1000L 3 3 false; ev 1099L 4 0 true; ev 1100L 127 127 true; ev 1999L 8 8 true; ev 2000L 0 0 true |]
            let out = Array.zeroCreate<float32> (10 * 1024)
            let placed = DvsGesture.Frame(ReadOnlySpan events, label, DvsFraming(10, Nullable()), Span out)
            Expect.equal placed 5 "events inside [start, end)"
            Expect.equal (Array.sum out) 5.0f "every placed event counted once"
            Expect.equal out[0] 2.0f "frame 0 pixel (0,0) got two events"
            Expect.equal out[1] 1.0f "x = 4 -> column 1"
            Expect.equal out[1024 + 31 * 32 + 31] 1.0f "frame 1, pixel (31, 31)"
            Expect.equal out[9 * 1024 + 2 * 32 + 2] 1.0f "last frame"
            let fixedBins = DvsGesture.Frame(ReadOnlySpan events, label, DvsFraming(2, Nullable 100L), Span(Array.zeroCreate<float32> 2048))
            Expect.equal fixedBins 4 "100 µs bins keep only the first 200 µs"

        testCase "a recording folder loads into train (users 1-23) and test (24-29) samples" <| fun () ->
            use d = new TempDir()
            let write user (events: PolarityEvent[]) (labels: string list) =
                File.WriteAllBytes(d.File $"user%02d{user}_led.aedat", Aedat.Encode events)
                File.WriteAllLines(d.File $"user%02d{user}_led_labels.csv", "class,startTime_usec,endTime_usec" :: labels)
            write 1 [| ev 10L 1 1 true; ev 20L 2 2 true; ev 150L 3 3 true |] [ "3,0,100"; "5,100,200" ]
            write 24 [| ev 10L 1 1 true |] [ "11,0,50" ]
            let s = DvsGesture.Load(d.Path, DvsFraming(4, Nullable()))
            Expect.equal (s.Train.Count, s.Test.Count) (2, 1) "samples"
            Expect.equal s.Train.Labels [| 2; 4 |] "train classes"
            Expect.equal s.Test.Labels [| 10 |] "test class"
            Expect.equal s.Train.FeatureCount 4096 "4 frames of 1024"
            Expect.equal (s.Train.Features.Row(0).ToArray() |> Array.sum) 2.0f "first gesture holds its two events"
    ]
