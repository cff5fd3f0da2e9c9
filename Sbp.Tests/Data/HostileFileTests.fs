/// Files that are not what a reader expects in their kind or their size: a FIFO, a device or a socket in place of a
/// data file (refused before open() could block), headers that declare more than the memory budget, training and test
/// files that disagree, folders that cannot be read, DVS folders with a link loop or an unknown user. Every check that
/// could hang on a regression runs under a timeout and fails instead.
module Sbp.Tests.Data.HostileFileTests

open System
open System.Buffers.Binary
open System.Diagnostics
open System.IO
open System.IO.Compression
open System.Net.Sockets
open System.Threading.Tasks
open Expecto
open Sbp.Core.Data
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private gzipFile (path: string) (b: byte[]) =
    use f = File.Create path
    use g = new GZipStream(f, CompressionLevel.Fastest)
    g.Write(b, 0, b.Length)

/// The header of an unsigned-byte IDX file declaring `dims` (no values).
let private idxHeader (dims: int[]) =
    let h = Array.zeroCreate<byte> (4 + 4 * dims.Length)
    h[2] <- 8uy
    h[3] <- byte dims.Length
    dims |> Array.iteri (fun i v -> BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4 + 4 * i), v))
    h

let private idx (dims: int[]) (value: int -> byte) = Idx.Encode(IdxArray(dims, Array.init (Array.fold (*) 1 dims) value))

/// A folder of the four MNIST IDX files: `train` and `test` images of the given dimensions, labels i % 10.
let private writeIdxDir (dir: string) (train: int[]) (test: int[]) =
    File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), idx train (fun i -> byte (i % 251)))
    File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), idx [| train[0] |] (fun i -> byte (i % 10)))
    File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), idx test (fun i -> byte (i % 241)))
    File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), idx [| test[0] |] (fun i -> byte (i % 10)))

let private idxFiles = [ "train-images-idx3-ubyte"; "train-labels-idx1-ubyte"; "t10k-images-idx3-ubyte"; "t10k-labels-idx1-ubyte" ]

let private ev t x y = PolarityEvent(t, x, y, true)

/// A DVS recording `userNN_led` in `dir`: its events and its labels CSV lines (class,start,end).
let private writeRecording (dir: string) (user: int) (events: PolarityEvent[]) (labels: string list) =
    File.WriteAllBytes(Path.Combine(dir, $"user%02d{user}_led.aedat"), Aedat.Encode events)
    File.WriteAllLines(Path.Combine(dir, $"user%02d{user}_led_labels.csv"), "class,startTime_usec,endTime_usec" :: labels)

let private twoUsers (dir: string) =
    writeRecording dir 1 [| ev 10L 1 1; ev 20L 2 2; ev 150L 3 3 |] [ "3,0,100"; "5,100,200" ]
    writeRecording dir 24 [| ev 10L 1 1 |] [ "11,0,50" ]

let private load (o: DataSets.LoadOptions) name = DataSets.load o name |> ignore

/// Makes a FIFO at `path` with mkfifo(1).
let private mkfifo (path: string) =
    use p = Process.Start(ProcessStartInfo("mkfifo", [ path ]))
    p.WaitForExit()
    if p.ExitCode <> 0 then failtestf "mkfifo %s exited with %d" path p.ExitCode

/// Runs `f` on another thread and returns what it threw (None when it returned). A call still running after a few
/// seconds fails the test instead of hanging the suite, after a writer opens `fifo` to release a reader stuck in open().
let private withinSeconds (fifo: string) (what: string) (f: unit -> unit) : exn option =
    let t = Task.Run(fun () -> f ())
    if Task.WaitAny([| t |], TimeSpan.FromSeconds 5.0) < 0 then
        Task.Run(fun () -> (new FileStream(fifo, FileMode.Open, FileAccess.Write)).Dispose()).Wait(TimeSpan.FromSeconds 2.0) |> ignore
        failtestf "%s: still blocked after 5 s (open() of a FIFO waits for a writer)" what
    if t.IsFaulted then Some t.Exception.InnerException else None

/// `f` must fail fast with the one-line access error "path: is not a regular file (kind)".
let private refusedAsSpecial (path: string) (kind: string) (what: string) (f: unit -> unit) =
    match withinSeconds path what f with
    | Some(:? DataAccessException as e) ->
        Expect.equal e.File path $"{what}: names the file"
        Expect.stringContains e.Problem $"is not a regular file ({kind})" what
        Expect.isFalse (e.Message.Contains '\n') $"{what}: one line"
    | Some e -> failtestf "%s: %s instead of a DataAccessException: %s" what (e.GetType().Name) e.Message
    | None -> failtestf "%s: read instead of refused" what

/// Replaces `path` by a FIFO, runs `f`, and puts the file back.
let private withFifoAt (path: string) (f: unit -> unit) =
    let saved = File.ReadAllBytes path
    File.Delete path
    mkfifo path
    try f ()
    finally
        File.Delete path
        File.WriteAllBytes(path, saved)

let private notRoot () =
    if OperatingSystem.IsWindows() || Environment.UserName = "root" then
        skiptest "root reads and enters any folder; the permission check needs another user"

[<Tests>]
let tests =
    testList "Data/Hostile files" [
        testCase "every reader refuses a FIFO, a link to one, a device and a socket at once, without opening them" <| fun () ->
            if OperatingSystem.IsWindows() then skiptest "FIFOs, devices and sockets in the file system are Unix's"
            use d = new TempDir()
            mkfifo (d.File "fifo")
            File.CreateSymbolicLink(d.File "link-to-fifo", d.File "fifo") |> ignore
            File.CreateSymbolicLink(d.File "link-to-null", "/dev/null") |> ignore
            use socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            socket.Bind(UnixDomainSocketEndPoint(d.File "socket"))
            for r in ReaderFaultTests.readers do
                for path, kind in
                    [ d.File "fifo", "a FIFO"
                      d.File "link-to-fifo", "a symbolic link to a FIFO"
                      "/dev/null", "a character device"
                      d.File "link-to-null", "a symbolic link to a character device"
                      d.File "socket", "a socket" ] do
                    refusedAsSpecial path kind $"{r.Name} on {kind}" (fun () -> r.Read path |> ignore)
            // a link to a regular file is read like the file
            let r = ReaderFaultTests.readers.Head
            File.WriteAllBytes(d.File "real", r.Valid)
            File.CreateSymbolicLink(d.File "link", d.File "real") |> ignore
            Expect.equal (r.Read(d.File "link")) (r.Read(d.File "real")) "a link to a regular file reads as the file"

        testCase "the loaders refuse a FIFO in place of any file of an IDX folder, the NETtalk folder and a DVS folder" <| fun () ->
            if OperatingSystem.IsWindows() then skiptest "FIFOs in the file system are Unix's"
            use d = new TempDir()
            let idxDir = Directory.CreateDirectory(d.File "idx").FullName
            writeIdxDir idxDir [| 3; 28; 28 |] [| 2; 28; 28 |]
            let idxLoad = { DataSets.defaultLoad with IdxDir = Some idxDir }
            load idxLoad DataSets.Mnist // the folder loads as it is
            for f in idxFiles do
                let path = Path.Combine(idxDir, f)
                withFifoAt path (fun () -> refusedAsSpecial path "a FIFO" $"mnist: {f}" (fun () -> load idxLoad DataSets.Mnist))
            let nettalkDir = Directory.CreateDirectory(d.File "nettalk").FullName
            File.WriteAllText(Path.Combine(nettalkDir, "nettalk.data"), "cat\tk@t\t1<<\t0\ndog\tdcg\t1<<\t0\n")
            File.WriteAllText(Path.Combine(nettalkDir, "nettalk.list"), "(CAT)\n")
            let nettalkLoad = { DataSets.defaultLoad with NettalkDir = Some nettalkDir }
            load nettalkLoad DataSets.Nettalk
            for f in [ "nettalk.data"; "nettalk.list" ] do
                let path = Path.Combine(nettalkDir, f)
                withFifoAt path (fun () -> refusedAsSpecial path "a FIFO" $"nettalk: {f}" (fun () -> load nettalkLoad DataSets.Nettalk))
            let dvsDir = Directory.CreateDirectory(d.File "dvs").FullName
            twoUsers dvsDir
            let dvsLoad = { DataSets.defaultLoad with DvsDir = Some dvsDir; DvsFraming = DvsFraming(4, Nullable()) }
            load dvsLoad DataSets.Dvs
            for f in [ "user01_led.aedat"; "user01_led_labels.csv"; "user24_led.aedat"; "user24_led_labels.csv" ] do
                let path = Path.Combine(dvsDir, f)
                withFifoAt path (fun () -> refusedAsSpecial path "a FIFO" $"dvs: {f}" (fun () -> load dvsLoad DataSets.Dvs))

        testCase "the memory budget holds the real data sets with room and refuses the sizes found by the harness" <| fun () ->
            Expect.isTrue (DataBudget.Fits(60_000L, 784L, 10L)) "MNIST's 60,000 training images"
            Expect.isTrue (DataBudget.Fits(1_176L, 100L * 1024L, 11L)) "DVS128 Gesture's 1,176 training gestures at 100 frames, flattened"
            Expect.isTrue (DataBudget.Fits(117_600L, 1024L, 11L)) "the same, one frame per sample"
            Expect.isTrue (DataBudget.Fits(146_934L, 189L, 26L)) "every letter of NETtalk"
            Expect.isTrue (DataBudget.Fits(338_079L, 784L, 10L)) "338,079 images of 28 x 28"
            Expect.isFalse (DataBudget.Fits(338_080L, 784L, 10L)) "one more"
            Expect.isFalse (DataBudget.Fits(400_000L, 784L, 10L)) "[400000, 28, 28]"
            Expect.isFalse (DataBudget.Fits(4_000L, 100L * 1024L, 11L)) "4,000 gestures at 100 frames"
            Expect.equal (DataBudget.Bytes(int64 Int32.MaxValue, int64 Int32.MaxValue, 1L)) Int64.MaxValue "saturates instead of overflowing"

        testCase "a gzip IDX of 320 kB declaring [400000, 28, 28] images is refused from its header with little memory" <| fun () ->
            use d = new TempDir()
            // noise after the header: the file is large enough to hold the declared size at deflate's best ratio, so
            // only the budget refuses it
            let noise = Array.zeroCreate<byte> 320_000
            Random(7).NextBytes noise
            let dir = Directory.CreateDirectory(d.File "idx").FullName
            writeIdxDir dir [| 3; 28; 28 |] [| 2; 28; 28 |]
            let images = Path.Combine(dir, "train-images-idx3-ubyte")
            File.Delete images
            gzipFile (images + ".gz") (Array.append (idxHeader [| 400_000; 28; 28 |]) noise)
            let before = GC.GetAllocatedBytesForCurrentThread()
            let e = throwsOf<DataAccessException> (fun () -> MnistIdx.Load("mnist", images + ".gz", d.File "labels") |> ignore) "400,000 images"
            Expect.isLessThan (GC.GetAllocatedBytesForCurrentThread() - before) 8_000_000L "refused before the values are allocated"
            Expect.equal e.File (images + ".gz") "names the file"
            Expect.stringContains e.Problem "dimensions [400000, 28, 28]" "names the declared size"
            Expect.stringContains e.Problem "budget" "says why"
            let e = throwsOf<DataAccessException> (fun () -> load { DataSets.defaultLoad with IdxDir = Some dir } DataSets.Mnist) "through --idx-dir"
            Expect.equal e.File (images + ".gz") "the loader names the file"

        testCase "a NETtalk corpus of 1.3 million letters in 4 MB is refused before its windows are built" <| fun () ->
            use d = new TempDir()
            let word = String('a', 1000)
            let line = $"{word}\t{String('@', 1000)}\t{String('0', 1000)}\t0"
            File.WriteAllLines(d.File "nettalk.data", Array.append (Array.create 1300 line) [| "cat\tk@t\t1<<\t0" |])
            File.WriteAllText(d.File "nettalk.list", $"({word.ToUpperInvariant()})\n")
            let before = GC.GetAllocatedBytesForCurrentThread()
            let e = throwsOf<DataAccessException> (fun () -> Nettalk.LoadPaperSplit(d.Path) |> ignore) "1.3 million windows"
            Expect.isLessThan (GC.GetAllocatedBytesForCurrentThread() - before) 200_000_000L "well below the 1.1 GB the windows would take"
            Expect.equal e.File (d.File "nettalk.data") "names the corpus"
            Expect.stringContains e.Problem "1300000 letters of common words" "names the size"

        testCase "a DVS labels file of 4,000 one-µs gestures at 100 frames is refused before any recording is read" <| fun () ->
            use d = new TempDir()
            twoUsers d.Path
            File.WriteAllLines(d.File "user01_led_labels.csv", "class,startTime_usec,endTime_usec" :: [ for i in 0 .. 3999 -> $"1,{i},{i + 1}" ])
            File.WriteAllText(d.File "user01_led.aedat", "not read") // a bad recording: the budget is checked first
            let before = GC.GetAllocatedBytesForCurrentThread()
            let e = throwsOf<DataAccessException> (fun () -> DvsGesture.Load(d.Path, DvsFraming(100, Nullable())) |> ignore) "4,000 gestures"
            Expect.isLessThan (GC.GetAllocatedBytesForCurrentThread() - before) 16_000_000L "little memory"
            Expect.equal e.File (d.File "user01_led_labels.csv") "names the labels file"
            Expect.stringContains e.Problem "4000 gestures" "names the gesture count"
            Expect.stringContains e.Problem "1638576000 bytes" "names the size: 4,000 x (102,400 + 11) x 4"

        testCase "test images of another size than the training images, and labels that do not count the images, are refused naming both files" <| fun () ->
            use d = new TempDir()
            writeIdxDir d.Path [| 3; 28; 28 |] [| 100; 14; 56 |]
            let o = { DataSets.defaultLoad with IdxDir = Some d.Path }
            let e = throwsOf<DataFormatException> (fun () -> load o DataSets.Mnist) "14 x 56 beside 28 x 28"
            Expect.equal e.File (d.File "t10k-images-idx3-ubyte") "names the test images"
            Expect.stringContains e.Problem "images are 14 x 56" "their size"
            let trainImages = d.File "train-images-idx3-ubyte"
            Expect.stringContains e.Problem $"the training images in {trainImages} are 28 x 28" "the training file and size"
            writeIdxDir d.Path [| 3; 28; 28 |] [| 2; 28; 28 |]
            File.WriteAllBytes(d.File "t10k-labels-idx1-ubyte", idx [| 5 |] (fun _ -> 1uy))
            let e = throwsOf<DataFormatException> (fun () -> load o DataSets.Mnist) "5 labels for 2 images"
            Expect.equal e.File (d.File "t10k-labels-idx1-ubyte") "names the labels"
            let testImages = d.File "t10k-images-idx3-ubyte"
            Expect.stringContains e.Problem $"5 labels for 2 images in {testImages}" "and the images"
            File.WriteAllBytes(d.File "t10k-labels-idx1-ubyte", idx [| 2 |] (fun _ -> 1uy))
            let s = DataSets.load o DataSets.Mnist
            Expect.equal (s.Train.Count, s.Test.Count, s.Test.FeatureCount) (3, 2, 784) "the repaired folder loads"

        testCase "an --idx-dir, --nettalk-dir or --dvs-dir that cannot be read is an access error naming it, not missing files" <| fun () ->
            notRoot ()
            use d = new TempDir()
            let idxDir = Directory.CreateDirectory(d.File "idx").FullName
            writeIdxDir idxDir [| 3; 28; 28 |] [| 2; 28; 28 |]
            let nettalkDir = Directory.CreateDirectory(d.File "nettalk").FullName
            File.WriteAllText(Path.Combine(nettalkDir, "nettalk.data"), "cat\tk@t\t1<<\t0\ndog\tdcg\t1<<\t0\n")
            File.WriteAllText(Path.Combine(nettalkDir, "nettalk.list"), "(CAT)\n")
            let dvsDir = Directory.CreateDirectory(d.File "dvs").FullName
            twoUsers dvsDir
            let cases =
                [ idxDir, { DataSets.defaultLoad with IdxDir = Some idxDir }, DataSets.Mnist
                  nettalkDir, { DataSets.defaultLoad with NettalkDir = Some nettalkDir }, DataSets.Nettalk
                  dvsDir, { DataSets.defaultLoad with DvsDir = Some dvsDir; DvsFraming = DvsFraming(4, Nullable()) }, DataSets.Dvs ]
            for dir, o, name in cases do
                // no permission at all; listing but no search (its files cannot be looked up)
                for mode in [ UnixFileMode.None; UnixFileMode.UserRead ||| UnixFileMode.UserWrite ] do
                    File.SetUnixFileMode(dir, mode)
                    try
                        let e = throwsOf<DataAccessException> (fun () -> load o name) $"{dir} mode {mode}"
                        Expect.equal e.File dir "names the folder"
                        Expect.stringContains e.Problem "cannot be read: permission denied" "says why"
                    finally
                        File.SetUnixFileMode(dir, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)
                load o name

        testCase "DVS: a folder symlink loop is not followed, so each recording counts once" <| fun () ->
            use d = new TempDir()
            twoUsers d.Path
            let sub = Directory.CreateDirectory(d.File "more").FullName
            writeRecording sub 2 [| ev 5L 1 1 |] [ "2,0,10" ]
            Directory.CreateSymbolicLink(Path.Combine(sub, "loop"), d.Path) |> ignore
            Directory.CreateSymbolicLink(d.File "again", sub) |> ignore
            let found = DvsGesture.FindRecordings d.Path |> Array.map (fun struct (a, _, u) -> Path.GetFileName a, u)
            Expect.equal found [| "user02_led.aedat", 2; "user01_led.aedat", 1; "user24_led.aedat", 24 |] "each recording once (ordinal path order)"
            let s = DvsGesture.Load(d.Path, DvsFraming(4, Nullable()))
            Expect.equal (s.Train.Count, s.Test.Count) (3, 1) "two gestures of user 1, one of user 2; one of user 24"

        testCase "DVS: a recording of a user outside 1-29 is refused naming the file, not put into the test split" <| fun () ->
            for user in [ "99"; "00"; "30"; "123456789012" ] do
                use d = new TempDir()
                twoUsers d.Path
                File.Copy(d.File "user24_led.aedat", d.File $"user{user}_led.aedat")
                File.Copy(d.File "user24_led_labels.csv", d.File $"user{user}_led_labels.csv")
                let e = throwsOf<DataFormatException> (fun () -> DvsGesture.Load(d.Path, DvsFraming(4, Nullable())) |> ignore) $"user{user}"
                Expect.equal e.File (d.File $"user{user}_led.aedat") "names the recording"
                Expect.stringContains e.Problem $"user {user} is not a user of DVS128 Gesture (1-23 train, 24-29 test)" "says why"
                Expect.isFalse (e.Message.Contains '\n') "one line"
    ]
