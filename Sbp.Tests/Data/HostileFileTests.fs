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

    ]
