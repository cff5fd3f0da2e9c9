module Sbp.Tests.Data.IdxTests

open System
open System.IO
open Expecto
open FsCheck
open FsCheck.FSharp
open Sbp.Core.Data
open Sbp.Tests.TestSupport

/// A small random IDX array: 1 to 3 dimensions of size 1..6 (a zero dimension is refused by the reader).
type SmallIdx = SmallIdx of IdxArray

type Arbitraries =
    static member SmallIdx() : Arbitrary<SmallIdx> =
        gen {
            let! nd = Gen.choose (1, 3)
            let! dims = Gen.arrayOfLength nd (Gen.choose (1, 6))
            let n = dims |> Array.fold (*) 1
            let! values = Gen.arrayOfLength n (Gen.choose (0, 255) |> Gen.map byte)
            return SmallIdx(IdxArray(dims, values))
        }
        |> Arb.fromGen

let private cfg = { fsConfig with arbitrary = [ typeof<Arbitraries> ] }

let private sameArray (a: IdxArray) (b: IdxArray) = a.Dimensions = b.Dimensions && a.Values = b.Values

let private sample () = IdxArray([| 3; 2; 2 |], Array.init 12 byte)

[<Tests>]
let tests =
    testList "Data/Idx" [
        testPropertyWithConfig cfg "write then read gives the same array, raw or gzip" <| fun (SmallIdx a) (gz: bool) ->
            use dir = new TempDir()
            let path = dir.File(if gz then "a.idx.gz" else "a.idx")
            Idx.Write(path, a, gz)
            sameArray (Idx.Read path) a

        testPropertyWithConfig cfg "any single-byte change of a valid raw file reads a well-formed array or raises DataFormatException"
        <| fun (SmallIdx a) (pos: NonNegativeInt) (value: byte) ->
            let bytes = Idx.Encode a
            let i = pos.Get % bytes.Length
            bytes[i] <- value
            try
                let r = Idx.Parse(bytes, "mutated.idx")
                r.Values.Length = (r.Dimensions |> Array.fold (*) 1) && r.Values.Length + 4 + 4 * r.Dimensions.Length = bytes.Length
            with :? DataFormatException as e -> e.File = "mutated.idx"

        testPropertyWithConfig { cfg with maxTest = 60 } "any single-byte change of a gzip file reads identically or raises DataFormatException"
        <| fun (SmallIdx a) (pos: NonNegativeInt) (value: byte) ->
            use dir = new TempDir()
            let path = dir.File "a.idx.gz"
            Idx.Write(path, a, true)
            let bytes = File.ReadAllBytes path
            let i = pos.Get % bytes.Length
            bytes[i] <- value
            try sameArray (Idx.Parse(bytes, "mutated.gz")) a
            with :? DataFormatException -> true

        testCase "a file cut short names the file and the sizes" <| fun () ->
            let bytes = Idx.Encode(sample ())
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(bytes[.. bytes.Length - 2], "short.idx") |> ignore) "truncated"
            Expect.equal e.File "short.idx" "file named"
            Expect.stringContains e.Problem "[3, 2, 2]" "dimensions named"

        testCase "a bad magic number is rejected" <| fun () ->
            let bytes = Idx.Encode(sample ())
            bytes[1] <- 8uy
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(bytes, "magic.idx") |> ignore) "bad magic"
            Expect.stringContains e.Problem "magic" "says magic"
            Expect.equal e.Position "byte 0" "position"

        testCase "dimensions that disagree with the byte count are rejected" <| fun () ->
            let bytes = Idx.Encode(sample ())
            bytes[7] <- 4uy // first dimension 3 -> 4
            let e = throwsOf<DataFormatException> (fun () -> Idx.Parse(bytes, "dims.idx") |> ignore) "dims"
            Expect.stringContains e.Problem "need 16 value bytes" "sizes named"

        testCase "a truncated gzip stream raises DataFormatException" <| fun () ->
            use dir = new TempDir()
            let path = dir.File "a.gz"
            Idx.Write(path, IdxArray([| 100; 50 |], Array.init 5000 (fun i -> byte (i * 7))), true)
            let bytes = File.ReadAllBytes path
            throwsOf<DataFormatException> (fun () -> Idx.Parse(bytes[.. bytes.Length / 2], "cut.gz") |> ignore) "cut gzip" |> ignore

        testCase "MNIST-format loading checks that images and labels agree" <| fun () ->
            use dir = new TempDir()
            Idx.Write(dir.File "img", IdxArray([| 3; 2; 2 |], Array.create 12 255uy), false)
            Idx.Write(dir.File "lab", IdxArray([| 2 |], [| 1uy; 2uy |]), false)
            let e = throwsOf<DataFormatException> (fun () -> MnistIdx.Load("t", dir.File "img", dir.File "lab") |> ignore) "count mismatch"
            Expect.stringContains e.Problem "2 labels for 3 images" "counts named"
            Idx.Write(dir.File "lab", IdxArray([| 3 |], [| 1uy; 2uy; 10uy |]), false)
            let e = throwsOf<DataFormatException> (fun () -> MnistIdx.Load("t", dir.File "img", dir.File "lab") |> ignore) "label range"
            Expect.equal e.Position "label 2" "label position"
            Idx.Write(dir.File "lab", IdxArray([| 3 |], [| 1uy; 2uy; 9uy |]), false)
            let d = MnistIdx.Load("t", dir.File "img", dir.File "lab")
            Expect.equal d.Features.Data (Array.create 12 1.0f) "pixels scaled to [0,1]"
            Expect.equal d.Labels [| 1; 2; 9 |] "labels"
            Expect.equal d.Targets[2, 9] 1.0f "one-hot"
    ]
