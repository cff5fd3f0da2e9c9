module Sbp.Tests.Experiments.LimitsTests

open Expecto
open Sbp.Core.Data
open Sbp.Core.Neurons
open Sbp.Core.Numerics
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private problemsOf (c: SnnConfig.SnnConfig) = Experiment.problems (SnnConfig.experiment c)
let private eqProblemsOf (c: EqPropConfig.EqPropConfig) = Experiment.problems (EqPropConfig.experiment c)

let private nonFinite = [| nan; infinity; -infinity |]

/// A small synthetic split: `n` training and 10 test samples of `features` inputs and 10 classes.
let private split (n: int) (features: int) =
    let set count = DataSet("synthetic", "synthetic", Matrix(count, features), DataSet.OneHot(Array.zeroCreate count, 10), Array.zeroCreate count, 10)
    DataSplit(set n, set 10)

[<Tests>]
let tests =
    testList "Experiments/Limits" [
        property "a non-finite number in any parameter is refused before training, naming the field" <| fun (which: byte) (kind: byte) ->
            let x = float32 nonFinite[int kind % 3]
            let d = SnnConfig.defaults
            let lif = d.Lif
            let cases =
                [ "epsilon", { d with Epsilon = x }
                  "beta", { d with Beta = x }
                  "tauMemMs", { d with Lif = LifParameters(lif.ExcitatoryReversal, lif.LeakReversal, lif.Threshold, lif.Reset, x, lif.TauSynMs, lif.LeakConductance, lif.DtMs, lif.InhibitoryReversal) }
                  "vReset", { d with Lif = LifParameters(lif.ExcitatoryReversal, lif.LeakReversal, lif.Threshold, x, lif.TauMemMs, lif.TauSynMs, lif.LeakConductance, lif.DtMs, lif.InhibitoryReversal) }
                  "learningRates", { d with LearningRates = Some [ 0.1f; x ] }
                  "sbp", { SnnConfig.paperSbp with Spread = SnnConfig.Spread { Spread.reference with LambdaPre = x } } ]
            let name, c = cases[int which % cases.Length]
            let ps = problemsOf c
            Expect.isNonEmpty ps $"{name} = {x} refused"
            Expect.isTrue (ps |> List.exists (fun p -> p.Contains name || p.Contains "finite" || p.Contains "must")) $"named: {ps}"

        property "out-of-range counts are refused with the range; the reference configuration is accepted" <| fun (which: byte) (big: uint32) ->
            let v = int (min (uint32 System.Int32.MaxValue) (big ||| 0x00800000u)) // at least 8,388,608: beyond every bound
            let d = SnnConfig.defaults
            let cases =
                [ "epochs", { d with Run.Epochs = v }
                  "batch size", { d with Run.BatchSize = Some v }
                  "hidden layer sizes", { d with Run.Hidden = [ v ] }
                  "free-phase iterations", { d with FreeIterations = v }
                  "nudged-phase iterations", { d with NudgeIterations = v }
                  "SBP depth", { SnnConfig.paperSbp with Spread = SnnConfig.Spread { Spread.reference with Depth = v } }
                  "training size", { d with Run.TrainSize = Some(max v (Limits.maxSamples + 1)) } ]
            let name, c = cases[int which % cases.Length]
            let ps = problemsOf c
            Expect.isTrue (ps |> List.exists (fun p -> p.Contains name && p.Contains "must lie in")) $"{name} = {v}: {ps}"
            Expect.isEmpty (problemsOf d) "the reference is fine"

        testCase "a time window or dt that gives too many steps is refused before any allocation" <| fun () ->
            let d = SnnConfig.defaults
            let lif = d.Lif
            let tiny = LifParameters(lif.ExcitatoryReversal, lif.LeakReversal, lif.Threshold, lif.Reset, lif.TauMemMs, lif.TauSynMs, lif.LeakConductance, 1e-45f, lif.InhibitoryReversal)
            Expect.stringContains (String.concat "; " (problemsOf { d with Lif = tiny })) "must give at most 100000 steps" "dt 1e-45"
            Expect.stringContains (String.concat "; " (problemsOf { d with TimeWindowMs = 1e30f })) "must give at most 100000 steps" "T 1e30"
            Expect.isNonEmpty (eqProblemsOf { EqPropConfig.defaults with FreeIterations = 100_000_000 }) "EqProp iterations"

        testCase "a batch larger than the training set, or a network beyond the memory limit, is refused against the data" <| fun () ->
            let e (c: SnnConfig.SnnConfig) = SnnConfig.experiment c
            let data = split 300 20
            Expect.isEmpty (Experiment.fitProblems (e { SnnConfig.defaults with Run.BatchSize = Some 50 }) data) "fits"
            Expect.stringContains (String.concat "; " (Experiment.fitProblems (e { SnnConfig.defaults with Run.BatchSize = Some 301 }) data)) "exceeds the 300 training samples" "batch"
            Expect.stringContains (String.concat "; " (Experiment.fitProblems (e { SnnConfig.defaults with Run.Hidden = [ 100_000; 100_000 ] }) data)) "the limit is 1024 MiB" "memory"
            // EqProp keeps a particle per sample: a wide network on many samples does not fit
            let eq = EqPropConfig.experiment { EqPropConfig.defaults with Run.Hidden = [ 50_000 ]; Run.Dataset = DataSets.Fashion }
            Expect.stringContains (String.concat "; " (Experiment.fitProblems eq (split 6000 20))) "the limit is 1024 MiB" "particles counted"

        testCase "non-finite option values and out-of-range run options are one line and exit 1 on the command line" <| fun () ->
            for args, expected in [ [ "train"; "smlp"; "--energy"; "NaN" ], "--energy: NaN is not a finite number"
                                    [ "train"; "snn"; "--epsilon"; "Infinity" ], "--epsilon: Infinity is not a finite number"
                                    [ "sweep"; "snn"; "--name"; "x"; "--parallel"; "0" ], "--parallel must lie in 1..1024 (got 0)" ] do
                use d = new TempDir()
                let code, _, err = CliTests.sbp (args @ [ "--results"; d.Path ])
                Expect.equal code 1 $"{args}: exit code"
                Expect.stringContains err expected $"{args}: the option named"
                Expect.equal (err.Trim().Split('\n').Length) 1 "one line"
    ]
