module Sbp.Tests.Data.FashionTests

open Expecto
open Sbp.Experiments

[<Tests>]
let tests =
    testList "Data/Fashion-MNIST" [
        testCase "60,000 / 10,000 images in 10 balanced classes" <| fun () ->
            let s = DataSets.load DataSets.defaultLoad DataSets.Fashion
            Expect.equal (s.Train.Count, s.Test.Count) (60000, 10000) "sizes"
            Expect.equal (s.Train.ClassCounts()) (Array.create 10 6000) "train balance"
            Expect.equal (s.Test.ClassCounts()) (Array.create 10 1000) "test balance"
            Expect.equal s.Train.SampleShape [| 28; 28 |] "shape"
            Expect.isTrue (s.Test.Features.Data |> Array.forall (fun v -> v >= 0.0f && v <= 1.0f)) "range"

        testCase "a requested size takes the first samples of each split" <| fun () ->
            let s = DataSets.load { DataSets.defaultLoad with TrainSize = Some 100; TestSize = Some 10 } DataSets.Fashion
            Expect.equal (s.Train.Count, s.Test.Count) (100, 10) "sizes"
    ]
