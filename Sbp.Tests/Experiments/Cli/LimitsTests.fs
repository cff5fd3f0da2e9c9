module Sbp.Tests.Experiments.LimitsTests

open Expecto
open Sbp.Core.Data
open Sbp.Core.Neurons
open Sbp.Core.Numerics
open Sbp.Experiments
open System
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
                let code, _, err = sbp (args @ [ "--results"; d.Path ])
                Expect.equal code 1 $"{args}: exit code"
                Expect.stringContains err expected $"{args}: the option named"
                Expect.equal (err.Trim().Split('\n').Length) 1 "one line"
    ]

module RuleValueTests =
    open Sbp.Core.Plasticity
    open Sbp.Experiments.RunRecord

    /// The built-in SBP base rule wrapped as a user's rule value, with a parameter that does nothing.
    let private wrapped (k: float) = SnnConfig.customRule "wrapped-sbp-base" [ ("k", k) ] (fun _ -> ContrastiveRule.SbpBase :> IPlasticityRule)

    [<Tests>]
    let tests =
        testList "Experiments/Rule values" [
            testCase "a rule given as a value trains exactly as the built-in rule it wraps" <| fun () ->
                let data = (DataSets.load { DataSets.defaultLoad with TrainSize = Some 200; TestSize = Some 100 } DataSets.Mnist10k)
                let run (rule: SnnConfig.Rule) =
                    let e = SnnConfig.experiment { SnnConfig.defaults with Rule = rule; Run.Dataset = DataSets.Mnist10k; Run.TrainSize = Some 200; Run.TestSize = Some 100; Run.Epochs = 2 }
                    let record, _, _ = (Experiment.resolve e).Train data 1 System.Threading.CancellationToken.None ignore
                    record.Epochs |> List.map (fun x -> x.TestAccuracy, x.TrainAccuracy, x.Extra |> List.find (fst >> (=) "energy") |> snd)
                Expect.equal (run (wrapped 1.0)) (run SnnConfig.SbpBase) "the same numbers, epoch by epoch"

            testCase "a rule's name and parameters enter the id, the record and the baseline pairing" <| fun () ->
                let e k = SnnConfig.experiment { SnnConfig.defaults with Rule = wrapped k }
                Expect.notEqual (Experiment.id (e 1.0)) (Experiment.id (e 2.0)) "another parameter, another experiment"
                Expect.notEqual (Experiment.id (e 1.0)) (Experiment.id (SnnConfig.experiment { SnnConfig.defaults with Rule = SnnConfig.SbpBase })) "not the built-in rule's id"
                Expect.equal (Experiment.seed { e 1.0 with Seed = Experiment.Replicate 2 }) (Experiment.seed { SnnConfig.experiment SnnConfig.defaults with Seed = Experiment.Replicate 2 }) "paired with symmetric STDP by replicate"
                let config = Experiment.runConfig (e 1.0)
                Expect.equal (config |> List.find (fst >> (=) "rule") |> snd) (Text "wrapped-sbp-base") "its name is the rule"
                Expect.stringContains (Experiment.canonical (e 2.0)) "customRule={name:\"wrapped-sbp-base\",parameters:{k:2}}" "its parameters in the canonical form"

            testCase "a record of a rule given as a value reads back as the same typed configuration" <| fun () ->
                let e = { SnnConfig.experiment { SnnConfig.defaults with Rule = wrapped 0.1; Run.Epochs = 2 } with Seed = Experiment.Replicate 1 }
                let r =
                    { Config = Experiment.runConfig e @ [ "experimentId", Text(Experiment.id e); "replicate", Int 1L ]
                      Seed = Experiment.seed e
                      Dataset = { Name = "synthetic"; TrainSize = 10; TestSize = 10; Provenance = "synthetic" }
                      Epochs = [ for i in 1 .. 2 -> { Epoch = i; TrainAccuracy = 0.5; TestAccuracy = 0.5; TrainError = 0.5; TestError = 0.5; Seconds = 1.0; SynapticOps = 1L; Extra = [] } ]
                      Status = Completed
                      GitCommit = "test" }
                match Families.read (ofJson "test" (toJson r)) with
                | Ok back ->
                    Expect.equal (Experiment.id back) (Experiment.id e) "same id"
                    Expect.equal (Experiment.tryConfig SnnConfig.family back |> Option.map (fun c -> c.Rule)) (Some(wrapped 0.1)) "the same rule, parameters exact"
                | Error m -> failtest m

            testCase "a rule read back from a record without its script groups and compares, and refuses to train in one line" <| fun () ->
                let c = { SnnConfig.defaults with Rule = SnnConfig.Custom { Name = "unknown-rule"; Parameters = [ "a", 1.0 ]; Create = None } }
                let ps = Experiment.problems (SnnConfig.experiment c)
                Expect.isTrue (ps |> List.exists (fun p -> p.Contains "'unknown-rule' was read from a record")) $"named: {ps}"
                Expect.throws (fun () -> SnnConfig.customRule "sbp" [] (fun _ -> ContrastiveRule.SbpBase :> IPlasticityRule) |> ignore) "a built-in name is refused"
                Expect.throws (fun () -> SnnConfig.customRule "My Rule" [] (fun _ -> ContrastiveRule.SbpBase :> IPlasticityRule) |> ignore) "a name that is not lower-case letters, digits and '-' is refused"
                Expect.throws (fun () -> SnnConfig.customRule "symmetric-decay" [] (fun _ -> ContrastiveRule.SbpBase :> IPlasticityRule) |> ignore) "a catalogue rule's name is refused"

            testCase "the catalogue's symmetric-decay proposes the symmetric change minus λ·W, element for element" <| fun () ->
                let rng = Sbp.Core.Numerics.Rng 4UL
                let m r c = Sbp.Core.Numerics.Matrix(r, c, Array.init (r * c) (fun _ -> rng.NextSingle() * 2.0f - 1.0f))
                let a = LayerActivity(0, m 6 5, m 6 5, m 6 3, m 6 3, m 5 3, 6, 0.5f)
                let sym, decayed = Sbp.Core.Numerics.Matrix(5, 3), Sbp.Core.Numerics.Matrix(5, 3)
                ContrastiveRule.Symmetric.Propose(&a, sym, Array.zeroCreate 64, 1) |> ignore
                DecayingSymmetricRule(0.25f).Propose(&a, decayed, Array.zeroCreate 64, 1) |> ignore
                Expect.equal decayed.Data (Array.init 15 (fun i -> sym.Data[i] - 0.25f * a.Weights.Data[i])) "ΔW_sym − λ·W"
                Expect.throws (fun () -> DecayingSymmetricRule(-1.0f) |> ignore) "λ < 0 is refused"

            testCase "a catalogue rule is a command-line choice: its parameter enters the id, is checked, and reads back trainable" <| fun () ->
                let parse (args: string list) = Argu.ArgumentParser.Create<Cli.TrainArgs>(programName = "sbp train").ParseCommandLine(Array.ofList ("snn" :: args))
                let e (args: string list) = Program.trainExperiment (parse args)
                let decay x = e [ "--rule"; "symmetric-decay"; "--rule-parameter"; "lambda"; x ]
                Expect.notEqual (Experiment.id (decay "0.01")) (Experiment.id (decay "0.02")) "another λ, another experiment"
                Expect.equal (Experiment.id (decay "0.001")) (Experiment.id (e [ "--rule"; "symmetric-decay" ])) "the default λ is 0.001"
                Expect.equal (Experiment.id (decay "0.01")) (Experiment.id (SnnConfig.experiment { SnnConfig.defaults with Rule = SnnConfig.catalogueRule "symmetric-decay" [ "lambda", 0.01 ] })) "the same experiment from a script"
                for args, expected in [ [ "--rule"; "symmetric-decay"; "--rule-parameter"; "lambda"; "2" ], "must lie in [0, 1]"
                                        [ "--rule"; "symmetric-decay"; "--rule-parameter"; "lamda"; "0.1" ], "has no parameter 'lamda'"
                                        [ "--rule"; "sbp"; "--rule-parameter"; "lambda"; "0.1" ], "the rule sbp has none"
                                        [ "--rule"; "nope" ], "no rule 'nope'" ] do
                    let ex = Expect.throwsC (fun () -> e args |> ignore) id
                    Expect.stringContains ex.Message expected (String.concat " " args)
                // a sweep sets the parameter through its key, and only on a rule that has it
                let family = Families.all |> List.find (fun f -> f.Name = "snn")
                let swept = family.Set "rule" "symmetric-decay" family.Defaults |> Result.bind (family.Set "rule.lambda" "0.01")
                Expect.equal (swept |> Result.map Experiment.id) (Ok(Experiment.id (decay "0.01"))) "rule.lambda"
                Expect.isError (family.Set "rule.lambda" "0.01" family.Defaults) "symmetric STDP has no λ"
                // its record reads back trainable in a process where no script ran
                let run = { decay "0.01" with Seed = Experiment.Replicate 1 }
                let r =
                    { Config = Experiment.runConfig run @ [ "experimentId", Text(Experiment.id run); "replicate", Int 1L ]
                      Seed = Experiment.seed run
                      Dataset = { Name = "synthetic"; TrainSize = 10; TestSize = 10; Provenance = "synthetic" }
                      Epochs = [ { Epoch = 1; TrainAccuracy = 0.5; TestAccuracy = 0.5; TrainError = 0.5; TestError = 0.5; Seconds = 1.0; SynapticOps = 1L; Extra = [] } ]
                      Status = Completed
                      GitCommit = "test" }
                match Families.read (ofJson "test" (toJson r)) with
                | Ok back ->
                    Expect.equal (Experiment.id back) (Experiment.id run) "same id"
                    Expect.isEmpty (Experiment.problems back) "trainable"
                | Error m -> failtest m

            testCase "symmetric-decay with λ = 0 trains exactly as symmetric STDP" <| fun () ->
                let data = DataSets.load { DataSets.defaultLoad with TrainSize = Some 200; TestSize = Some 100 } DataSets.Mnist10k
                let run (rule: SnnConfig.Rule) =
                    let e = SnnConfig.experiment { SnnConfig.defaults with Rule = rule; Run.Dataset = DataSets.Mnist10k; Run.TrainSize = Some 200; Run.TestSize = Some 100; Run.Epochs = 2 }
                    let record, _, _ = (Experiment.resolve e).Train data 1 System.Threading.CancellationToken.None ignore
                    record.Epochs |> List.map (fun x -> x.TestAccuracy, x.TrainAccuracy)
                Expect.equal (run (SnnConfig.catalogueRule "symmetric-decay" [ "lambda", 0.0 ])) (run SnnConfig.Symmetric) "the same numbers, epoch by epoch"
        ]

module DataIdentityTests =
    open System.IO

    let private parse (args: string list) = Argu.ArgumentParser.Create<Cli.TrainArgs>(programName = "sbp train").ParseCommandLine(Array.ofList args)

    [<Tests>]
    let tests =
        testList "Experiments/Data identity" [
            testCase "runs on a folder of other MNIST files get another id; a copy of the standard files keeps the standard id" <| fun () ->
                let standard = Path.Combine(Provision.require Provision.mnist, "data")
                use same = new TempDir()
                use other = new TempDir()
                for f in Directory.GetFiles standard do
                    File.Copy(f, Path.Combine(same.Path, Path.GetFileName f))
                    File.Copy(f, Path.Combine(other.Path, Path.GetFileName f))
                // one label changed: other data, as far as any run is concerned
                let labels = Path.Combine(other.Path, "t10k-labels-idx1-ubyte")
                let bytes = File.ReadAllBytes labels
                bytes[8] <- (bytes[8] + 1uy) % 10uy
                File.WriteAllBytes(labels, bytes)
                let idOf (extra: string list) = Experiment.id (Program.trainExperiment (parse ([ "snn" ] @ extra)))
                let plain = idOf []
                Expect.equal (idOf [ "--idx-dir"; same.Path ]) plain "the standard files under another folder: the same experiment"
                let changed = idOf [ "--idx-dir"; other.Path ]
                Expect.notEqual changed plain "other data: another experiment"
                Expect.stringStarts (DataSets.Identity.of' { DataSets.defaultLoad with IdxDir = Some other.Path } DataSets.Mnist) "sha256:" "its identity is the content hash"
        ]

module ProbeFindingsTests =
    open System.IO

    [<Tests>]
    let tests =
        testList "Experiments/Limits of counts and names" [
            testCase "replicates, SBP strengths and grid names have upper bounds; a huge --layers is refused before a list is built" <| fun () ->
                Expect.throws (fun () -> Grid.seeds 2147483647 [ SnnConfig.experiment SnnConfig.defaults ] |> ignore) "seeds beyond 1000"
                let ps = Experiment.problems (SnnConfig.experiment { SnnConfig.paperSbp with Spread = SnnConfig.Spread { Spread.reference with Fraction = 1e30f } })
                Expect.isTrue (ps |> List.exists (fun p -> p.Contains "must lie in [0, 1000]")) $"fraction 1e30: {ps}"
                Expect.isSome (Grid.nameProblem (String.replicate 300 "n")) "a 300-character name"
                Expect.isFalse ((Grid.nameProblem "a\nb").Value.Contains "\n") "a control character is escaped: one line"
                use d = new TempDir()
                let code, _, err = sbp [ "train"; "snn"; "--layers"; "2147483647"; "--results"; d.Path ]
                Expect.equal code 1 "exit 1"
                Expect.stringContains err "--layers counts input and output too and must lie in 3..66" "named, at once"

            testCase "an empty claim left by a creator killed before writing it is taken over once it is old enough, not skipped" <| fun () ->
                use d = new TempDir()
                let dir = d.File "exp"
                Directory.CreateDirectory dir |> ignore
                let path = Claims.claimPath dir
                File.WriteAllText(path, "")
                // written 9 s ago: under the 10 s a writer is given, so the claimant waits, then takes it over
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow - TimeSpan.FromSeconds 9.0)
                match Claims.tryClaim Claims.defaultPolicy dir with
                | Some c -> (c :> IDisposable).Dispose()
                | None -> failtest "the experiment was left to a claim no process holds"
        ]
