module Sbp.Tests.Data.AedatTests

open System
open System.Buffers.Binary
open System.IO
open Expecto
open FsCheck
open FsCheck.FSharp
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

/// Frames one gesture with the scan of every event (the reference) or the timeline: the count placed and the frames,
/// or the error's type.
let private frameBoth (events: PolarityEvent[]) (label: GestureLabel) (framing: DvsFraming) =
    let run (f: float32[] -> int) =
        let out = Array.zeroCreate<float32> (framing.Frames * DvsFraming.PixelsPerFrame)
        try Ok(f out, out) with :? DataFormatException as e -> Error(e.GetType().Name)
    run (fun o -> DvsGesture.Frame(ReadOnlySpan events, label, framing, Span o)),
    run (fun o -> DvsGesture.Frame(PolarityTimeline.FromEvents(ReadOnlySpan events), label, framing, Span o))

/// Small recordings in any time order, a few pixels off the sensor, and gestures and framings of every kind.
let private framingCase =
    gen {
        let! n = Gen.choose (0, 120)
        let! events =
            Gen.arrayOfLength n (gen {
                let! t = Gen.choose (0, 3000)
                let! x = Gen.frequency [ 30, Gen.choose (0, 127); 1, Gen.choose (128, 300) ]
                let! y = Gen.choose (0, 127)
                let! on = Gen.elements [ true; false ]
                return PolarityEvent(int64 t, x, y, on) })
        let! sorted = Gen.elements [ true; false ]
        let! start = Gen.choose (0, 2500)
        let! length = Gen.choose (1, 1500)
        let! frames = Gen.choose (1, 6)
        let! bin = Gen.frequency [ 2, Gen.constant None; 1, Gen.choose (1, 400) |> Gen.map (int64 >> Some) ]
        let events = if sorted then Array.sortBy (fun (e: PolarityEvent) -> e.TimeUs) events else events
        return events, GestureLabel(0, int64 start, int64 (start + length)), DvsFraming(frames, Option.toNullable bin) }

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

        testPropertyWithConfig { fsConfig with maxTest = 300 } "framing by the timeline equals the scan of every event, in any time order"
        <| Prop.forAll (Arb.fromGen framingCase) (fun (events, label, framing) ->
            let reference, timeline = frameBoth events label framing
            reference = timeline)

        testCase "framing 40,000 gestures of a 400,000-event recording visits each event once, not once per gesture" <| fun () ->
            // the scan of every event would look at 400,000 x 40,000 = 1.6e10 events (minutes); the timeline looks at
            // each gesture's own 10
            let events = Array.init 400_000 (fun i -> PolarityEvent(int64 i * 10L, (i * 13) % 128, (i * 7) % 128, i % 2 = 0))
            let timeline = PolarityTimeline.FromEvents(ReadOnlySpan events)
            let framing = DvsFraming(1, Nullable())
            let out = Array.zeroCreate<float32> DvsFraming.PixelsPerFrame
            let mutable placed = 0L
            for g in 0 .. 39_999 do
                let n = DvsGesture.Frame(timeline, GestureLabel(0, int64 g * 100L, int64 (g + 1) * 100L), framing, Span out)
                Expect.equal n 10 $"gesture {g} holds its 10 events"
                placed <- placed + int64 n
            Expect.equal placed 400_000L "every event placed exactly once"
            for g in [ 0; 12_345; 39_999 ] do
                let reference, byTimeline = frameBoth events (GestureLabel(0, int64 g * 100L, int64 (g + 1) * 100L)) framing
                Expect.equal byTimeline reference $"gesture {g} as the reference frames it"

        testCase "a recording is streamed into 12 bytes an event, in time order, each event keeping its file index" <| fun () ->
            use d = new TempDir()
            let events = Array.init 1_000_000 (fun i -> PolarityEvent(int64 i * 3L, (i * 13) % 128, (i * 7) % 128, i % 2 = 0))
            File.WriteAllBytes(d.File "big.aedat", Aedat.Encode events)
            let before = GC.GetAllocatedBytesForCurrentThread()
            let t = Aedat.ReadTimeline(d.File "big.aedat")
            let allocated = GC.GetAllocatedBytesForCurrentThread() - before
            Expect.isLessThan allocated (12L * 1_000_000L + 1_000_000L) "the events' 12 MB and buffers, not the file's 8 MB plus 24 bytes an event"
            Expect.equal t.Count events.Length "every event"
            Expect.equal (t[999_999], t[123_456]) (events[999_999], events[123_456]) "read back"
            // out of time order (a later packet with earlier times): sorted, each event remembering where it was
            let shuffled = Array.init 5000 (fun i -> PolarityEvent(int64 ((i * 7919) % 5000) * 11L + (if i > 2500 then 2L <<< 31 else 0L), (i * 3) % 128, i % 128, i % 3 = 0))
            File.WriteAllBytes(d.File "shuffled.aedat", Aedat.Encode(shuffled, 300))
            let t = Aedat.ReadTimeline(d.File "shuffled.aedat")
            let inFileOrder = Aedat.ReadPolarityEvents(d.File "shuffled.aedat")
            Expect.equal inFileOrder shuffled "the file holds them in this order"
            Expect.equal (Array.init t.Count (fun i -> t[i])) (Array.sortBy (fun (e: PolarityEvent) -> e.TimeUs) shuffled) "time order"
            for i in 0 .. t.Count - 1 do
                if t[i] <> shuffled[t.FileIndex i] then failtestf "event %d in time order is not event %d of the file" i (t.FileIndex i)

        testCase "a loaded recording equals the reference framing of each gesture, events out of order included" <| fun () ->
            use d = new TempDir()
            let rnd = Sbp.Core.Numerics.Rng(11UL)
            let events = Array.init 3000 (fun _ -> ev (int64 (rnd.NextInt 10_000)) (rnd.NextInt 128) (rnd.NextInt 128) (rnd.NextInt 2 = 1))
            let labels = [ GestureLabel(2, 0L, 2500L); GestureLabel(5, 2000L, 6100L); GestureLabel(10, 6100L, 9999L) ]
            File.WriteAllBytes(d.File "user03_led.aedat", Aedat.Encode(events, 256))
            File.WriteAllLines(d.File "user03_led_labels.csv", "class,startTime_usec,endTime_usec" :: [ for l in labels -> $"{l.Class + 1},{l.StartUs},{l.EndUs}" ])
            File.WriteAllBytes(d.File "user25_led.aedat", Aedat.Encode [| ev 1L 1 1 true |])
            File.WriteAllLines(d.File "user25_led_labels.csv", [ "class,startTime_usec,endTime_usec"; "1,0,10" ])
            let framing = DvsFraming(7, Nullable())
            let train = DvsGesture.Load(d.Path, framing).Train
            labels |> List.iteri (fun k label ->
                let expected = Array.zeroCreate<float32> (7 * 1024)
                DvsGesture.Frame(ReadOnlySpan events, label, framing, Span expected) |> ignore
                Expect.equal (train.Features.Row(k).ToArray()) expected $"gesture {k}")

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
    
        testCase "DVS encodings: frames flattened, one frame per sample, a single frame, and the reference's s·f rows" <| fun () ->
            use d = new TempDir()
            // gesture g (0-based) puts g+1 events into each of its 3 frames at pixel (frame, 0), so every frame is recognisable
            let gestureEvents g start = [| for f in 0 .. 2 do for _ in 0 .. g do yield ev (start + int64 f * 100L + 10L) (f * 4) 0 true |]
            let events = Array.concat [ gestureEvents 0 0L; gestureEvents 1 300L; gestureEvents 2 600L ]
            File.WriteAllBytes(d.File "user01_led.aedat", Aedat.Encode events)
            File.WriteAllLines(d.File "user01_led_labels.csv", [ "class,startTime_usec,endTime_usec"; "2,0,300"; "3,300,600"; "4,600,900" ])
            File.WriteAllBytes(d.File "user24_led.aedat", Aedat.Encode(gestureEvents 0 0L))
            File.WriteAllLines(d.File "user24_led_labels.csv", [ "class,startTime_usec,endTime_usec"; "5,0,300" ])
            let framing = DvsFraming(3, Nullable())
            let load e = (DvsGesture.Load(d.Path, framing, e)).Train
            let frameOf (row: float32[]) = row |> Array.findIndex (fun v -> v > 0.0f) // frame f puts its events at pixel f
            let flat = load DvsEncoding.FramesFlattened
            Expect.equal (flat.Count, flat.FeatureCount) (3, 3072) "one row of 3 x 1,024 per gesture"
            let per = load DvsEncoding.FramePerSample
            Expect.equal (per.Count, per.FeatureCount) (9, 1024) "one row of 1,024 per frame"
            Expect.equal per.SampleShape [| 32; 32 |] "a frame"
            for g in 0 .. 2 do
                for f in 0 .. 2 do
                    let row = per.Features.Row(g * 3 + f).ToArray()
                    Expect.equal (frameOf row) f $"row {g * 3 + f} is frame {f}"
                    Expect.equal row[f] (float32 (g + 1)) $"row {g * 3 + f} is of gesture {g}"
                    Expect.equal per.Labels[g * 3 + f] (g + 1) "the gesture's class"
            let single = load (DvsEncoding.SingleFrame 2)
            Expect.equal (single.Count, single.FeatureCount) (3, 1024) "one frame per gesture"
            Expect.equal (single.Features.Row(1).ToArray() |> Array.sum) 2.0f "frame 2 of gesture 1"
            Expect.equal single.Features[1, 2] 2.0f "at its pixel"
            let reference = load DvsEncoding.ReferenceFlattening
            Expect.equal (reference.Count, reference.FeatureCount) (9, 1024) "S x F rows"
            // rows s·f (1-based, gesture-major, the later write wins): 1 2 3 | 2 4 6 | 3 6 9 -> row r holds (s, f)
            let written = dict [ 1, (1, 1); 2, (2, 1); 3, (3, 1); 4, (2, 2); 6, (3, 2); 9, (3, 3) ]
            for r in 1 .. 9 do
                let row = reference.Features.Row(r - 1).ToArray()
                match written.TryGetValue r with
                | true, (s, f) ->
                    Expect.equal row[f - 1] (float32 s) $"row {r} = frame {f} of gesture {s}"
                    Expect.equal reference.Labels[r - 1] s $"row {r} has gesture {s}'s class"
                | _ ->
                    Expect.equal (Array.sum row) 0.0f $"row {r} stays all-zero"
                    Expect.equal (reference.Targets.Row(r - 1).ToArray() |> Array.sum) 0.0f $"row {r} has an all-zero target"
                    Expect.equal reference.Labels[r - 1] 0 $"row {r} scores as class 1 (index 0)"

        testCase "the reference flattening leaves 61% / 63% of rows empty at the paper's sizes" <| fun () ->
            let emptyShare s f =
                let written = System.Collections.Generic.HashSet<int>()
                for i in 1 .. s do for j in 1 .. f do written.Add(i * j) |> ignore
                1.0 - float written.Count / float (s * f)
            Expect.floatClose Accuracy.high (Math.Round(emptyShare 1176 100, 4)) 0.6107 "training rows"
            Expect.floatClose Accuracy.high (Math.Round(emptyShare 288 100, 4)) 0.6317 "test rows"

        testCase "DVS: a label beyond the recording, a bad frame count and an empty split are clear errors" <| fun () ->
            use d = new TempDir()
            let write user (labels: string list) =
                File.WriteAllBytes(d.File $"user%02d{user}_led.aedat", Aedat.Encode [| ev 10L 1 1 true; ev 2_000_000L 2 2 true |])
                File.WriteAllLines(d.File $"user%02d{user}_led_labels.csv", "class,startTime_usec,endTime_usec" :: labels)
            write 1 [ "1,0,1000000" ]
            let e = throwsOf<DataFormatException> (fun () -> DvsGesture.Load(d.Path, DvsFraming(4, Nullable())) |> ignore) "no test users"
            Expect.stringContains e.Problem "test split would be empty" "empty split"
            write 24 [ "1,0,9000000000000000000" ]
            let e = throwsOf<DataFormatException> (fun () -> DvsGesture.Load(d.Path, DvsFraming(4, Nullable())) |> ignore) "end 9e18"
            Expect.stringContains e.File "user24_led_labels.csv" "labels file named"
            Expect.stringContains e.Problem "after the recording's last event" "says beyond"
            write 24 [ "1,0,1000000" ]
            for frames in [ 0; -3; 200_000; 3_000_000 ] do
                let e = throwsOf<ArgumentException> (fun () -> DvsGesture.Load(d.Path, DvsFraming(frames, Nullable())) |> ignore) $"{frames} frames"
                Expect.stringContains e.Message "1..1000" "range named"
                let e = throwsOf<ArgumentException> (fun () -> Sbp.Experiments.DataSets.dvsFrames frames |> ignore) $"--dvs-frames {frames}"
                Expect.stringContains e.Message "--dvs-frames" "option named"
            Expect.equal (DvsGesture.Load(d.Path, DvsFraming(4, Nullable()))).Test.Count 1 "the repaired folder loads"
    ]
