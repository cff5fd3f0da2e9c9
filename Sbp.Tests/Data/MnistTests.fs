module Sbp.Tests.Data.MnistTests

open System.IO
open Expecto
open Sbp.Core.Data
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private standard = lazy (DataSets.load DataSets.defaultLoad DataSets.Mnist)

[<Tests>]
let tests =
    testList "Data/MNIST (standard)" [
        testCase "mnist is the standard 60,000 / 10,000 set with its known class counts" <| fun () ->
            let s = standard.Value
            Expect.equal (s.Train.Count, s.Test.Count) (60000, 10000) "sizes"
            Expect.equal (s.Train.ClassCounts()) [| 5923; 6742; 5958; 6131; 5842; 5421; 5918; 6265; 5851; 5949 |] "train classes"
            Expect.equal (s.Test.ClassCounts()) [| 980; 1135; 1032; 1010; 982; 892; 958; 1028; 974; 1009 |] "test classes"
            Expect.equal s.Train.Labels[.. 4] [| 5; 0; 4; 1; 9 |] "the first training labels of MNIST"
            Expect.equal s.Test.Labels[.. 4] [| 7; 2; 1; 0; 4 |] "the first test labels of MNIST"
            Expect.isTrue (s.Test.Features.Data |> Array.forall (fun v -> v >= 0.0f && v <= 1.0f)) "pixels in [0, 1]"

        testCase "the first-n subset takes the first images of each split, in the files' order" <| fun () ->
            let s = DataSets.load { DataSets.defaultLoad with TrainSize = Some 50000; TestSize = Some 100 } DataSets.Mnist
            Expect.equal (s.Train.Count, s.Test.Count) (50000, 100) "sizes"
            Expect.equal s.Train.Labels standard.Value.Train.Labels[.. 49999] "the first 50,000 training labels"
            Expect.equal (s.Test.Features.Row(99).ToArray()) (standard.Value.Test.Features.Row(99).ToArray()) "test image 100"
            Expect.stringContains s.Train.Provenance "first 50000" "the subset is named"

        testCase "--idx-dir reads another folder of the same files; a folder without them is refused with the option named" <| fun () ->
            let dir = Path.Combine(Provision.require Provision.mnist, "data")
            let s = DataSets.load { DataSets.defaultLoad with IdxDir = Some dir; TestSize = Some 10 } DataSets.Mnist
            Expect.equal s.Test.Labels standard.Value.Test.Labels[.. 9] "same images"
            use d = new TempDir()
            let e = throwsOf<DataNotProvisionedException> (fun () -> DataSets.load { DataSets.defaultLoad with IdxDir = Some d.Path } DataSets.Mnist |> ignore) "empty folder"
            Expect.stringContains e.Message "--idx-dir" "option named"

        testCase "data set names: mnist, mnist-10k, fashion, nettalk, dvs; mnist-idx is gone" <| fun () ->
            for n in [ DataSets.Mnist; DataSets.Mnist10k; DataSets.Fashion; DataSets.Nettalk; DataSets.Dvs ] do
                Expect.equal (DataSets.parseName (DataSets.nameOf n)) (Ok n) $"{DataSets.nameOf n} round-trips"
            Expect.isError (DataSets.parseName "mnist-idx") "mnist-idx is refused"
    ]
