/// Saved networks: the safetensors file written by `sbp train --save` round-trips every family's inference state, a
/// loaded network scores its test passes exactly as recorded, and a damaged or mismatched file is refused in one line.
module Sbp.Tests.Experiments.NetworkFileTests

open System
open System.IO
open System.Text
open Expecto
open Sbp.Experiments
open Sbp.Experiments.NetworkFile
open Sbp.Tests.TestSupport

let private small (r: RunSettings) =
    { r with Dataset = DataSets.Mnist10k; Hidden = [ 24 ]; Epochs = 2; TrainSize = Some 150; TestSize = Some 70; BatchSize = Some 20 }

let private snn = SnnConfig.experiment { SnnConfig.defaults with Run = small SnnConfig.defaults.Run }
// the held-out test set: the standard split is scored beside it, from particles of its own
let private eqprop =
    EqPropConfig.experiment { EqPropConfig.defaults with Run = { small EqPropConfig.defaults.Run with Dataset = DataSets.Mnist; TestSet = Some DataSets.HeldOutTraining; TestSize = Some 40 } }
let private smlp = SmlpConfig.experiment { SmlpConfig.defaults with Run = small SmlpConfig.defaults.Run }

/// Trains `e` as `sbp train` does and saves its network; returns the record and the file.
let private trainAndSave (dir: TempDir) (name: string) (e: Experiment.Experiment) =
    let dataset, train, test = Experiment.data e
    let split = DataSets.load { DataSets.defaultLoad with TrainSize = train; TestSize = test; HeldOutTest = e.Model.HeldOutTest } dataset
    let record, _, state = (Experiment.resolve e).Train split 2 Threading.CancellationToken.None ignore
    let record = { record with Config = record.Config @ [ "experimentId", RunRecord.Text(Experiment.id e) ] }
    let file = dir.File(name + ".safetensors")
    SavedNetwork.save file record state
    record, file

let private evaluate (file: string) = SavedNetwork.evaluate DataSets.defaultLoad 1 ignore (SavedNetwork.load file) file

/// A file's bytes with its header replaced (its data kept).
let private withHeader (file: string) (edit: string -> string) =
    let bytes = File.ReadAllBytes file
    let n = int (BitConverter.ToUInt64(bytes, 0))
    let header = (edit (Encoding.UTF8.GetString(bytes, 8, n))).TrimEnd()
    let raw = Encoding.UTF8.GetBytes header
    let padded = Array.append raw (Array.create ((8 - raw.Length % 8) % 8) (byte ' '))
    Array.concat [ BitConverter.GetBytes(uint64 padded.Length); padded; bytes[8 + n ..] ]

let private refusedWith (file: string) (fragment: string) =
    let e = throwsOf<NetworkFileException> (fun () -> evaluate file |> ignore) fragment
    Expect.stringContains e.Message file "the message names the file"
    Expect.stringContains e.Reason fragment "the reason"
    Expect.isFalse (e.Message.Contains '\n') "one line"

/// A Python 3 with numpy (Debian's python3-numpy, which CI installs): the first of python3 on the PATH and
/// /usr/bin/python3 that imports numpy.
let private pythonWithNumpy =
    lazy
        [ "python3"; "/usr/bin/python3" ]
        |> List.tryFind (fun exe ->
            try
                let psi = Diagnostics.ProcessStartInfo(exe, [ "-c"; "import numpy" ], RedirectStandardError = true, RedirectStandardOutput = true)
                use p = Diagnostics.Process.Start psi
                p.WaitForExit()
                p.ExitCode = 0
            with _ -> false)

/// The ```python block of docs/networks.md.
let private docsReader =
    lazy
        let lines = File.ReadAllLines(Path.Combine(repository.Value, "docs", "networks.md"))
        let start = lines |> Array.findIndex (fun l -> l.Trim() = "```python")
        let stop = lines |> Array.findIndexBack (fun l -> l.Trim() = "```")
        String.Join("\n", lines[start + 1 .. stop - 1])

[<Tests>]
let tests =
    testSequenced <| testList "Experiments/NetworkFile" [
        for name, e in [ "snn", snn; "eqprop", eqprop; "smlp", smlp ] do
            testCase $"a saved {name} network scores its last test passes again exactly as recorded" <| fun () ->
                ensureProvisioned.Force()
                use d = new TempDir()
                let record, file = trainAndSave d name e
                let ev = evaluate file
                Expect.isGreaterThanOrEqual ev.Figures.Length 2 "test accuracy and MSE cost (and the standard test accuracy beside a held-out set)"
                for f in ev.Figures do
                    Expect.isTrue f.Identical $"{f.Name}: recorded {f.Recorded:R}, evaluated {f.Evaluated:R}"
                Expect.equal ev.Figures.Head.Recorded (List.last record.Epochs).TestAccuracy "the record's last test accuracy"
                if name = "eqprop" then
                    Expect.exists ev.Figures (fun f -> f.Name = "std. test accuracy") "the standard split beside the held-out one"

        testCase "the numpy reader of docs/networks.md reads every family's file: names, shapes and values" <| fun () ->
            match pythonWithNumpy.Value with
            | None -> skiptest "python3 with numpy is not installed (apt-get install python3-numpy)"
            | Some python ->
                use d = new TempDir()
                let script = d.File "read.py"
                File.WriteAllText(script, docsReader.Value)
                for name, e in [ "snn", snn; "eqprop", eqprop; "smlp", smlp ] do
                    let record, file = trainAndSave d name e
                    let psi = Diagnostics.ProcessStartInfo(python, [ script; file ], RedirectStandardOutput = true, RedirectStandardError = true)
                    use p = Diagnostics.Process.Start psi
                    let out = p.StandardOutput.ReadToEnd()
                    let err = p.StandardError.ReadToEnd()
                    p.WaitForExit()
                    Expect.equal p.ExitCode 0 $"{name}: {err}"
                    let lines = out.Trim().Split('\n')
                    let rule = e.Model.RuleName
                    let accuracy = RunRecord.numberText (List.last record.Epochs).TestAccuracy
                    Expect.equal lines[0] $"{name} {rule} test accuracy {accuracy}" $"{name}: the record"
                    let _, tensors = NetworkFile.read file
                    Expect.equal (lines.Length - 1) tensors.Length $"{name}: one line per array"
                    for line, t in Seq.zip lines[1..] tensors do
                        let parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                        Expect.equal parts[0] t.Name $"{name}: the array's name"
                        let shape = "(" + String.Join(", ", t.Shape) + (if t.Shape.Length = 1 then ",)" else ")")
                        Expect.stringContains line shape $"{name}: {t.Name}'s shape"
                        let mean = match t.Values with F32 v -> Array.averageBy float v | U64 w -> Array.averageBy float w
                        let printed = float parts[parts.Length - 1]
                        Expect.floatClose { absolute = 1e-6; relative = 1e-5 } printed mean $"{name}: {t.Name}'s mean"

        testCase "the check can fail: a network changed in one weight no longer reproduces its record" <| fun () ->
            use d = new TempDir()
            let _, file = trainAndSave d "snn" snn
            let metadata, tensors = NetworkFile.read file
            let nudged =
                tensors |> List.map (fun t ->
                    match t.Values with
                    | F32 v when t.Name = "weights.1" -> { t with Values = F32(Array.mapi (fun i x -> if i = 3 then x + 0.25f else x) v) }
                    | _ -> t)
            NetworkFile.write file metadata nudged
            let ev = evaluate file
            Expect.exists ev.Figures (fun f -> not f.Identical) "some figure differs"

        testCase "every family saves what its inference carries between batches, under stable names" <| fun () ->
            use d = new TempDir()
            let names (e: Experiment.Experiment) =
                let _, file = trainAndSave d "n" e
                snd (NetworkFile.read file) |> List.map (fun t -> t.Name) |> set
            let s = names snn
            for n in [ "weights.0"; "weights.1"; "biases.1"; "biases.2"; "state.v.1"; "state.g.1"; "state.h.2" ] do
                Expect.contains s n $"snn: {n}"
            let q = names eqprop
            for n in [ "weights.0"; "biases.1"; "particles.test.1"; "particles.test.2"; "particles.standardTest.2" ] do
                Expect.contains q n $"eqprop: {n}"
            let m = names smlp
            for n in [ "weights.0"; "weights.1"; "biases.1"; "biases.2"; "generator.encode" ] do
                Expect.contains m n $"smlp: {n} (biases by neuron layer, as the other families)"

        testCase "a damaged, forged or mismatched file is refused in one line naming it" <| fun () ->
            use d = new TempDir()
            let _, file = trainAndSave d "snn" snn
            let good = File.ReadAllBytes file
            let variant (name: string) (bytes: byte[]) =
                let f = d.File name
                File.WriteAllBytes(f, bytes)
                f
            refusedWith (variant "truncated" good[.. good.Length - 5]) "truncated"
            refusedWith (variant "short" good[.. 5]) "8-byte header length"
            refusedWith (variant "empty" [||]) "8-byte header length"
            refusedWith (variant "huge-header" (Array.append (BitConverter.GetBytes(UInt64.MaxValue)) good[8..])) "more than the format's"
            refusedWith (variant "garbage" (Array.concat [ BitConverter.GetBytes(4UL); "{{{{"B; [| 0uy |] ])) "not a JSON object"
            refusedWith (variant "dtype" (withHeader file (fun h -> h.Replace("\"F32\"", "\"F16\"")))) "this version reads F32 and U64"
            refusedWith (variant "shape" (withHeader file (fun h -> h.Replace("\"shape\":[784,24]", "\"shape\":[784,25]")))) "needs"
            refusedWith (variant "format" (withHeader file (fun h -> h.Replace("sbp-network-1", "sbp-network-9")))) "this version reads"
            refusedWith (variant "duplicate" (withHeader file (fun h -> h.Replace("{\"__metadata__\"", "{\"weights.0\":{},\"__metadata__\"")))) "not a JSON object"
            // a well-formed file whose tensors do not fit the network its record describes
            let metadata, tensors = NetworkFile.read file
            let rewrite (name: string) (ts: Tensor list) =
                let f = d.File name
                NetworkFile.write f metadata ts
                f
            refusedWith (rewrite "missing" (tensors |> List.filter (fun t -> t.Name <> "state.h.1"))) "tensor 'state.h.1' is missing"
            refusedWith (rewrite "extra" (tensors @ [ { Name = "weights.7"; Shape = [ 2 ]; Values = F32 [| 1f; 2f |] } ])) "not part of this network"
            refusedWith (rewrite "reshaped" (tensors |> List.map (fun t -> if t.Name = "biases.1" then { t with Shape = [ 4; 6 ] } else t))) "has shape [4, 6]"
            refusedWith (rewrite "nan" (tensors |> List.map (fun t -> if t.Name = "biases.2" then { t with Values = F32(Array.create 10 nanf) } else t))) "non-finite value at index 0"
            refusedWith (rewrite "huge" (tensors |> List.map (fun t -> if t.Name = "weights.1" then { t with Values = F32(Array.create (784 * 0 + 24 * 10) 1e30f) } else t))) "diverges on its test set"
            refusedWith (rewrite "as-u64" (tensors |> List.map (fun t -> if t.Name = "biases.2" then { t with Values = U64(Array.create 10 1UL) } else t))) "dtype U64"
            let forged = metadata |> List.map (fun (k, v) -> if k = "record" then k, v.Replace("\"hidden\"", "\"hiddn\"") else k, v)
            let f = d.File "forged"
            NetworkFile.write f forged tensors
            refusedWith f "__metadata__.record"

        testCase "sbp train --save and sbp evaluate: the record reproduced, identical figures, exit 0; a truncated file exits 1 in one line" <| fun () ->
            use d = new TempDir()
            let file = d.File "net.safetensors"
            let code, out, err = sbp [ "train"; "smlp"; "--dataset"; "mnist-10k"; "--hidden"; "16"; "--train-size"; "100"; "--test-size"; "60"; "--epochs"; "1"; "--quiet"; "--out"; d.File "run"; "--save"; file ]
            Expect.equal code 0 $"train: {err}"
            Expect.stringContains out "network: " "says where the network went"
            let code, out, err = sbp [ "evaluate"; file; "--quiet" ]
            Expect.equal code 0 $"evaluate: {err}"
            Expect.stringContains out "test accuracy" "the accuracy row"
            Expect.isFalse (out.Contains "DIFFERS") out
            let code, _, _ = sbp [ "train"; "smlp"; "--dataset"; "mnist-10k"; "--hidden"; "16"; "--train-size"; "100"; "--test-size"; "60"; "--epochs"; "1"; "--quiet"; "--out"; d.File "run2"; "--save"; file ]
            Expect.equal code 1 "an existing file is not replaced without --force"
            let code, _, err = sbp [ "train"; "smlp"; "--dataset"; "mnist-10k"; "--hidden"; "16"; "--train-size"; "100"; "--test-size"; "60"; "--epochs"; "1"; "--quiet"; "--out"; d.File "run3"; "--save"; d.File "run3/run.json" ]
            Expect.equal code 1 "the network never replaces its own run record"
            Expect.stringContains err "is the run record's file" err
            let code, _, err = sbp [ "evaluate"; file; "--full-test" ]
            Expect.equal code 1 "an option for other data is refused, not ignored"
            Expect.stringContains err "--full-test" err
            let bytes = File.ReadAllBytes file
            File.WriteAllBytes(file, bytes[.. bytes.Length / 2])
            let code, out, err = sbp [ "evaluate"; file ]
            Expect.equal code 1 "refused"
            Expect.equal (err.Trim().Split('\n').Length) 1 $"one line: {err}"
            Expect.stringContains err file "names the file"
            Expect.equal out "" "nothing printed before the refusal" ]
