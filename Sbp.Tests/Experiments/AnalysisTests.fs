module Sbp.Tests.Experiments.AnalysisTests

open System.IO
open Expecto
open Sbp.Core.Plasticity
open Sbp.Experiments
open Sbp.Experiments.Experiment
open Sbp.Experiments.RunRecord
open Sbp.Tests.TestSupport

let private epoch i acc =
    { Epoch = i; TrainAccuracy = acc; TestAccuracy = acc; TrainError = 1.0 - acc; TestError = 1.0 - acc; Seconds = 1.0; SynapticOps = 100L; Extra = [] }

/// The record the runner writes for an experiment of grid `grid` with the given test-accuracy curve.
let private recordWith (grid: string) (e: Experiment) (curve: float list) =
    { Config =
        runConfig e
        @ [ "layers", Items [ Int 784L; Int 10L ]; "grid", Text grid; "experimentId", Text(Experiment.id e)
            "replicate", (match e.Seed with Replicate r -> Int(int64 r) | Given -> Text "given") ]
      Seed = seed e
      // the configured data set and split sizes, as a real run records them (Records checks them where they are known)
      Dataset =
        let task, train, test = data e
        let n, m = Records.expectedSizes task train test
        { Name = DataSets.nameOf task; TrainSize = defaultArg n 10; TestSize = defaultArg m 10; Provenance = "synthetic" }
      Epochs = curve |> List.mapi (fun i acc -> epoch (i + 1) acc)
      Status = Completed
      GitCommit = "test" }

/// The record of an experiment whose learning curve rises to `top` in 4 epochs.
let private recordOf (grid: string) (e: Experiment) (top: float) = recordWith grid e [ for i in 1 .. 4 -> top * float i / 4.0 ]

/// Through the JSON file, as tables read it.
let private roundTrip (r: Record) = ofJson "test" (toJson r)

let private writeGrid (root: string) (grid: string) (runs: (Experiment * float) list) =
    for e, top in runs do write (Path.Combine(root, grid, Experiment.id e, "run.json")) (recordOf grid e top)

let private replicate r (e: Experiment) = { e with Seed = Replicate r }

let private symmetric = SnnConfig.experiment { SnnConfig.defaults with Run.Epochs = 4 }
let private sbp = SnnConfig.experiment { SnnConfig.paperSbp with Run.Epochs = 4 }

/// Reads a record back; the experiment, its id and its description must be those written.
let private readsBack (e: Experiment) =
    let r = roundTrip (recordOf "g" e 0.5)
    match Families.read r with
    | Error m -> failtestf "%s: %s" (label e) m
    | Ok back ->
        Expect.equal (Experiment.id back) (Experiment.id e) "same id"
        Expect.equal (back.Model.Describe()) (e.Model.Describe()) "same description"
        back

let private pick (xs: 'a list) (i: byte) = xs[int i % xs.Length]

[<Tests>]
let tests =
    testList "Experiments/Analysis" [
        property "a spiking-network record reads back as the same typed config" <| fun (rule: byte) (depth: byte) (fraction: byte) (top: bool) (hidden: byte) (task: byte) (rep: byte) (bounds: bool) ->
            let spread = SnnConfig.Spread { Spread.reference with Depth = int depth % 4; Fraction = float32 (fraction % 10uy) / 10f; Range = (if top then Spread.TopFraction 0.25f else Spread.Reference) }
            let r, s =
                pick [ SnnConfig.Symmetric, SnnConfig.NoSpread; SnnConfig.SbpBase, spread; SnnConfig.SbpBase, SnnConfig.NoSpread
                       SnnConfig.Differential, spread; SnnConfig.SpikeTiming(StdpWindow(1f, 0.5f, 5f, 7f, 0.1f, 0.5f)), SnnConfig.NoSpread ] rule
            let c =
                { SnnConfig.defaults with
                    Rule = r; Spread = s; Run.Hidden = List.replicate (1 + int hidden % 3) 20
                    Run.Dataset = pick [ DataSets.Mnist; DataSets.Nettalk; DataSets.Fashion ] task
                    WeightBounds = (if bounds then Some(-1f, 1f) else None); Run.TrainSize = (if bounds then Some 100 else None) }
            let e = replicate (int rep % 5) (SnnConfig.experiment c)
            let back = readsBack e
            Expect.equal (tryConfig SnnConfig.family back) (Some(SnnConfig.resolve { c with Run.Seed = seed e })) "the typed config"

        property "an equilibrium-propagation record reads back as the same typed config" <| fun (rule: byte) (theta: byte) (depth: byte) (task: byte) (rep: byte) ->
            let rule = pick [ EqPropConfig.EqProp; EqPropConfig.SbpEnergy(float32 theta / 7f); EqPropConfig.SbpOperator { Spread.reference with Depth = int depth % 3 } ] rule
            let c = { EqPropConfig.defaults with Rule = rule; Run.Dataset = pick [ DataSets.Mnist; DataSets.Nettalk; DataSets.Dvs ] task }
            let e = replicate (int rep % 5) (EqPropConfig.experiment c)
            let back = readsBack e
            Expect.equal (tryConfig EqPropConfig.family back) (Some(EqPropConfig.resolve { c with Run.Seed = seed e })) "the typed config"

        property "a spiking-MLP record reads back as the same typed config" <| fun (by: byte) (p: byte) (form: byte) (energy: bool) (task: byte) (rep: byte) ->
            let by = pick [ SmlpConfig.Sbp SmlpConfig.referenceGradient; SmlpConfig.SbpOperator SmlpConfig.operatorSpread; SmlpConfig.Zero ] by
            let gradient =
                pick [ SmlpConfig.Backprop
                       SmlpConfig.Replaced { SmlpConfig.replacement by with Proportion = float32 (p % 5uy) / 4f }
                       SmlpConfig.Replaced { SmlpConfig.replacement by with Form = SmlpConfig.PerStep(int p % 3); ReferenceQuirks = true } ] form
            let dataset = pick [ DataSets.Mnist; DataSets.Nettalk; DataSets.Dvs ] task
            let c =
                { SmlpConfig.defaults with
                    Gradient = gradient; Run.Dataset = dataset
                    Energy = (if energy then SmlpConfig.Energy(0.1f, Sbp.Core.Models.EnergyGradient.SpikesOnly) else SmlpConfig.NoEnergy)
                    Frames = (if dataset = DataSets.Dvs then Some 50 else None) }
            let e = replicate (int rep % 5) (SmlpConfig.experiment c)
            let back = readsBack e
            Expect.equal (tryConfig SmlpConfig.family back) (Some(SmlpConfig.resolve { c with Run.Seed = seed e })) "the typed config"

        testCase "each family declares its baseline rule" <| fun () ->
            Expect.equal (SnnConfig.baseline SnnConfig.paperSbp) (Some { SnnConfig.paperSbp with Rule = SnnConfig.Symmetric; Spread = SnnConfig.NoSpread }) "SBP against symmetric without spread"
            Expect.equal (SnnConfig.baseline SnnConfig.defaults) None "symmetric is the baseline"
            Expect.equal (EqPropConfig.baseline { EqPropConfig.defaults with Rule = EqPropConfig.SbpEnergy 1f }) (Some EqPropConfig.defaults) "SBP energy against EqProp"
            Expect.equal (SmlpConfig.baseline SmlpConfig.paperSbp) (Some SmlpConfig.defaults) "the authors' run (replacement and energy term) against plain backprop"
            Expect.equal (SmlpConfig.baseline SmlpConfig.defaults) None "backprop is the baseline"

        testCase "the baseline relation pairs each SBP run with the symmetric run of its replicate" <| fun () ->
            use d = new TempDir()
            let differential = SnnConfig.experiment { SnnConfig.defaults with Run.Epochs = 4; Rule = SnnConfig.Differential }
            // replicate 0 and 1 with distinct accuracies, so that a crossed pairing gives other differences
            writeGrid d.Path "g"
                [ replicate 0 symmetric, 0.80; replicate 1 symmetric, 0.70
                  replicate 0 sbp, 0.85; replicate 1 sbp, 0.71
                  replicate 0 differential, 0.60; replicate 1 differential, 0.50 ]
            let gs = Tables.groups (Tables.load d.Path "g" |> List.map snd)
            Expect.equal gs.Length 3 "three typed configurations"
            let ps = Tables.pairs None gs
            Expect.equal ps.Length 2 "SBP and differential each against their baseline"
            for p in ps do
                Expect.equal (p.Baseline.Experiment |> Result.map (fun e -> e.Model.RuleName)) (Ok "symmetric") "baseline group"
            let bySbp = ps |> List.find (fun p -> p.Rule.Experiment |> Result.exists (fun e -> e.Model.RuleName = "sbp"))
            let deltas = bySbp.Pairs |> List.map (fun (x, _, _, _, _) -> System.Math.Round(x, 6)) |> List.sort
            Expect.equal deltas [ 0.01; 0.05 ] "replicate 0 with 0, 1 with 1"
            Expect.isEmpty (Tables.missingBaselines gs) "nothing missing"
            // paired seeds: replicate r of both rules share one seed
            Expect.equal (seed (replicate 1 sbp)) (seed (replicate 1 symmetric)) "paired seeds"

        testCase "a rule without baseline runs is named, in the tables and the report, which then refuses to write" <| fun () ->
            use d = new TempDir()
            writeGrid d.Path "only-sbp" [ replicate 0 sbp, 0.85; replicate 1 sbp, 0.71 ]
            let gs = Tables.groups (Tables.load d.Path "only-sbp" |> List.map snd)
            Expect.isEmpty (Tables.pairs None gs) "no pairs"
            let missing = Tables.missingBaselines gs
            Expect.equal missing.Length 1 "one missing baseline"
            Expect.stringContains missing.Head "no runs of its baseline snn symmetric mnist" "names the baseline"
            let md, _ = Tables.write d.Path "only-sbp" None
            Expect.stringContains md "### Missing baselines" "the table says so"
            let text, missing = Report.write d.Path false
            Expect.isTrue (missing |> List.exists (fun m -> m.Contains "spiking network, SBP (reference spread) on mnist (grid only-sbp)" && m.Contains "no runs of its baseline")) "the report names the comparison and the grid"
            Expect.isTrue (missing |> List.exists (fun m -> m.Contains "on nettalk: no runs")) "and the task without runs"
            Expect.stringContains text "## Missing" "a Missing section"
            Expect.isFalse (File.Exists(Path.Combine(d.Path, "REPORT.md"))) "not written without --allow-missing"

        testCase "a renamed rule or a changed parameter is a named error, not a gap" <| fun () ->
            let r = recordOf "g" (replicate 0 sbp) 0.8
            let set k v (r: Record) = { r with Config = r.Config |> List.map (fun (k', v') -> if k' = k then k', v else k', v') }
            match Families.read (set "rule" (Text "sbp-paper") r) with
            | Error m -> Expect.stringContains m "config field 'rule': 'sbp-paper'" "names the rule"
            | Ok _ -> failtest "a renamed rule read as a configuration"
            match Families.read (set "baseRule" (Text "SbpRule") r) with
            | Error m -> Expect.stringContains m "config field 'baseRule': 'SbpRule'" "names the base rule"
            | Ok _ -> failtest "an unknown base rule read as a configuration"
            match Families.read (set "beta" (Num 0.25) r) with
            | Error m -> Expect.stringContains m "not as its id" "the id no longer matches"
            | Ok _ -> failtest "a changed parameter read as the recorded experiment"
            // in a grid of the current schema, such a record is refused on read (its configuration no longer hashes
            // to its id): left out of the table, which lists it with its path, and listed for the report
            use d = new TempDir()
            writeGrid d.Path "g" [ replicate 0 symmetric, 0.8 ]
            let bad = set "rule" (Text "sbp-paper") r
            write (Path.Combine(d.Path, "g", "renamed", "run.json")) bad
            let md, _ = Tables.write d.Path "g" None
            Expect.stringContains md "Refused records (1" "the table lists the refused record"
            Expect.stringContains md "renamed" "by its path"
            Expect.isTrue (Records.refusedUnder d.Path |> List.exists (fun x -> x.Path.Contains "renamed")) "the report's list of refused records names it too"

        testCase "a grid of an earlier schema is named as to regenerate; its table keeps a banner and no comparisons" <| fun () ->
            use d = new TempDir()
            for e, top in [ replicate 0 symmetric, 0.8; replicate 0 sbp, 0.85 ] do
                let path = Path.Combine(d.Path, "old", Experiment.id e, "run.json")
                Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
                File.WriteAllText(path, (toJson (recordOf "old" e top)).Replace($"\"schema\": {schemaVersion}", "\"schema\": 1"))
            Expect.equal (Tables.schemas d.Path "old") [ 1 ] "schema 1"
            let md, _ = Tables.write d.Path "old" None
            Expect.stringContains md "records written under schema 1" "banner"
            Expect.isFalse (md.Contains "Each rule against its baseline") "no comparisons"
            let text, missing, _ = Report.build d.Path
            Expect.stringContains text "- `old`: schema 1; rerun its grid script to regenerate it." "named as to regenerate"
            Expect.isNonEmpty missing "its comparisons are missing"

        testCase "tables and the report regenerate byte for byte" <| fun () ->
            use d = new TempDir()
            writeGrid d.Path "g"
                [ for r in 0 .. 2 do
                      yield replicate r symmetric, 0.7 + 0.01 * float r
                      yield replicate r sbp, 0.72 + 0.02 * float r ]
            let read name = File.ReadAllBytes(Path.Combine(d.Path, name))
            Tables.write d.Path "g" None |> ignore
            let first = [ for f in [ "g/table.md"; "g/pairs.md"; "g/pairs.csv" ] -> read f ]
            let text, _ = Report.write d.Path true
            let report = read "REPORT.md"
            Tables.write d.Path "g" None |> ignore
            let text2, _ = Report.write d.Path true
            Expect.equal [ for f in [ "g/table.md"; "g/pairs.md"; "g/pairs.csv" ] -> read f ] first "tables identical"
            Expect.equal (read "REPORT.md") report "report identical"
            Expect.equal text2 text "same text"
            Expect.stringContains text "| snn | mnist | 93.67 ± 0.40% | 95.14 ± 0.12% | 54.1% | 71.00 ± 1.00% | 74.00 ± 2.00% |" "the paper's claim with ours, found by typed query"
            Expect.isTrue (FileInfo(Path.Combine(d.Path, "paper-vs-ours.png")).Length > 1000L) "the paper-vs-ours figure is written beside it"

        testCase "every claim gets the verdict the stated criterion gives, from 5 paired replicates" <| fun () ->
            // the baseline levels off at 92% by epoch 6 of 8; "faster" reaches its levels sooner and 2 points higher,
            // "worse" ends 1 point lower and later: the paper's claims hold for the first and fail for the second
            let baseline = [ 0.80; 0.85; 0.88; 0.90; 0.91; 0.92; 0.92; 0.92 ]
            let faster = [ 0.86; 0.90; 0.92; 0.93; 0.935; 0.94; 0.94; 0.94 ]
            let worse = [ 0.70; 0.78; 0.84; 0.87; 0.89; 0.90; 0.91; 0.91 ]
            let shift r (curve: float list) = curve |> List.map (fun x -> x + 0.001 * float r)
            let sized e = Grid.on SnnConfig.family (fun c -> { c with Run.Epochs = 8 }) e
            let verdictRow (text: string) =
                text.Split('\n') |> Array.find (fun l -> l.StartsWith "| snn | mnist | " && l.Contains " | 8 | ")
            for rule, expected in [ faster, "| reproduced |"; worse, "| not reproduced |" ] do
                use d = new TempDir()
                for r in 0 .. 4 do
                    for e, curve in [ sized symmetric, baseline; sized sbp, rule ] do
                        let e = replicate r e
                        write (Path.Combine(d.Path, "g", Experiment.id e, "run.json")) (recordWith "g" e (shift r curve))
                let text, _, rows = Report.build d.Path
                let row = verdictRow text
                Expect.stringContains row "| 5 | 8 | yes" "5 pairs, 8 epochs, the baseline had stopped improving"
                Expect.equal ((row.Split '|') |> Array.filter (fun c -> c.Trim() = expected.Trim('|', ' ')) |> Array.length) 2 $"both claims {expected}: {row}"
                Expect.equal rows.Length 1 "one row of the paper-vs-ours figure"
            // with 3 pairs the same data give no verdict
            use d = new TempDir()
            for r in 0 .. 2 do
                for e, curve in [ sized symmetric, baseline; sized sbp, faster ] do
                    let e = replicate r e
                    write (Path.Combine(d.Path, "g", Experiment.id e, "run.json")) (recordWith "g" e curve)
            let text, _, _ = Report.build d.Path
            Expect.stringContains (verdictRow text) "inconclusive (3 pair(s) of seeds, fewer than 5)" "too few pairs"

        testCase "the criterion's edges: cost and gain claims, no loss, and a baseline still improving" <| fun () ->
            let m delta cost : Verdicts.Measured = { Pairs = 5; Delta = delta; Cost = cost; LevelEpochs = 4.0, 2.0; LastQuarterFall = 0.0; Epochs = 10 }
            Expect.equal (Verdicts.cost 0.5 (m (0.0, -0.004, 0.004) (0.3, 0.1, 0.5))) Verdicts.Reproduced "accuracy kept, reduction ≥ half the paper's"
            Expect.equal (Verdicts.cost 0.5 (m (0.0, -0.004, 0.004) (0.2, 0.1, 0.24))) Verdicts.NotReproduced "reduction's interval below half the paper's"
            Expect.equal (Verdicts.cost 0.5 (m (-0.02, -0.03, -0.006) (0.6, 0.5, 0.7))) Verdicts.NotReproduced "accuracy lost"
            Expect.isTrue (match Verdicts.cost 0.5 (m (0.0, -0.01, 0.01) (0.3, -0.1, 0.6)) with Verdicts.Inconclusive _ -> true | _ -> false) "undecided"
            Expect.equal (Verdicts.gain 0.02 5 (0.005, 0.015)) Verdicts.Reproduced "a gain reaching half the paper's"
            Expect.equal (Verdicts.gain 0.02 5 (0.001, 0.008)) Verdicts.NotReproduced "a gain under half the paper's"
            Expect.equal (Verdicts.describeGain Verdicts.NotReproduced 0.001) "not reproduced: a real gain, under half the paper's" "said as a real gain"
            Expect.equal (Verdicts.describeGain Verdicts.NotReproduced -0.001) "not reproduced" "no gain at all"
            Expect.equal (Verdicts.noLoss 5 (-0.004, 0.01)) Verdicts.Reproduced "kept"
            Expect.equal (Verdicts.noLoss 5 (-0.03, -0.006)) Verdicts.NotReproduced "lost"
            Expect.isTrue (match Verdicts.noLoss 4 (0.01, 0.02) with Verdicts.Inconclusive _ -> true | _ -> false) "4 pairs"
            Expect.floatClose Accuracy.veryHigh (Verdicts.lastQuarterFall [ 0.3; 0.2; 0.15; 0.12; 0.11; 0.10; 0.09; 0.085 ]) 0.015 "min before the last quarter − min within it"
            Expect.isFalse (Verdicts.plateaued { m (0.0, 0.0, 0.0) (0.0, 0.0, 0.0) with LastQuarterFall = 0.015 }) "still improving"

        testCase "DVS claims need the user's recordings: named as such, not as missing runs" <| fun () ->
            use d = new TempDir()
            writeGrid d.Path "g" [ for r in 0 .. 1 do yield! [ replicate r symmetric, 0.8; replicate r sbp, 0.82 ] ]
            let text, missing, _ = Report.build d.Path
            Expect.isFalse (missing |> List.exists (fun m -> m.Contains "on dvs")) "not missing"
            Expect.isTrue (text.Contains "| snn | dvs | 83.56 ± 0.25% | 85.01 ± 0.11% | 39.6% | needs the recordings |") "the paper's row says what it needs"

        testCase "Fashion-MNIST, which the paper never saw, is read by the interval alone, and a few pairs are said to be few" <| fun () ->
            let fashion e = Grid.on SnnConfig.family (fun c -> { c with Run.Dataset = DataSets.Fashion }) e
            let row (text: string) = text.Split('\n') |> Array.find (fun l -> l.StartsWith "| spiking network | SBP (base rule + reference spread) vs symmetric STDP |")
            use d = new TempDir()
            writeGrid d.Path "f" [ for r in 0 .. 4 do yield! [ replicate r (fashion symmetric), 0.80 + 0.001 * float r; replicate r (fashion sbp), 0.79 ] ]
            let text, _, _ = Report.build d.Path
            Expect.stringContains text "## Beyond the paper: Fashion-MNIST" "the section"
            Expect.stringContains (row text) "| 5 | 4 |" "5 pairs, 4 epochs"
            Expect.stringContains (row text) "| 0 of 5 pairs |" "SBP ahead in no pair"
            Expect.stringContains (row text) "| SBP loses (the baseline was still improving) | f |" "1.2 points below in every pair: a loss, with the curves still rising"
            use d2 = new TempDir()
            writeGrid d2.Path "f" [ for r in 0 .. 1 do yield! [ replicate r (fashion symmetric), 0.80; replicate r (fashion sbp), 0.85 ] ]
            let text2, _, _ = Report.build d2.Path
            Expect.stringContains (row text2) "| too few pairs (2) |" "two pairs are not a result"
            use d3 = new TempDir()
            writeGrid d3.Path "g" [ for r in 0 .. 1 do yield! [ replicate r symmetric, 0.80; replicate r sbp, 0.85 ] ]
            let text3, _, _ = Report.build d3.Path
            Expect.isFalse (text3.Contains "Beyond the paper") "no Fashion runs, no section"

        testCase "the spiking MLP's claims pair SBP with the zero control by replicate" <| fun () ->
            use d = new TempDir()
            let smlp c = SmlpConfig.experiment { c with SmlpConfig.Run.Epochs = 4 }
            let replaced by p = smlp { SmlpConfig.defaults with Gradient = SmlpConfig.Replaced { SmlpConfig.replacement by with Proportion = p } }
            let runs =
                [ for r in 0 .. 4 do
                      yield replicate r (smlp SmlpConfig.defaults), 0.90
                      yield replicate r (replaced (SmlpConfig.Sbp SmlpConfig.referenceGradient) 1f), 0.80 + 0.001 * float r
                      yield replicate r (replaced SmlpConfig.Zero 1f), 0.70
                      yield replicate r (replaced (SmlpConfig.Sbp SmlpConfig.referenceGradient) 0.5f), 0.899 ]
            writeGrid d.Path "s" runs
            let text, _, _ = Report.build d.Path
            let row (claim: string) = text.Split('\n') |> Array.find (fun l -> l.StartsWith("| " + claim) && l.Contains "| mnist |")
            Expect.stringContains (row "SBP in place of every hidden gradient") "| 5 | 4 | reproduced |" "SBP 10 points above zero: reproduced (the paper: 5.4)"
            Expect.stringContains (row "SBP in half the batches") "| 5 | 4 | reproduced |" "0.1 points below backprop: kept"

        testCase "the spread ablation is drawn as base rule × spread heat maps against symmetric STDP" <| fun () ->
            use d = new TempDir()
            let spreads = [ SnnConfig.NoSpread; SnnConfig.Spread Spread.reference; SnnConfig.Spread { Spread.reference with Fraction = 5f }; SnnConfig.Spread { Spread.reference with Range = Spread.TopFraction 0.05f } ]
            let runs =
                [ for r in 0 .. 2 do
                      for i, b in List.indexed [ SnnConfig.Symmetric; SnnConfig.SbpBase ] do
                          for j, s in List.indexed spreads ->
                              replicate r (SnnConfig.experiment { SnnConfig.defaults with Rule = b; Spread = s; Run.Epochs = 4 }), 0.80 + 0.01 * float (i + j) + 0.002 * float r ]
            writeGrid d.Path "ablation" runs
            let _, gs = Tables.write d.Path "ablation" None
            let plots = Plots.write d.Path "ablation" None gs |> List.map Path.GetFileName
            Expect.containsAll plots [ "spread-delta-accuracy.png"; "spread-cost-reduction.png" ] "both heat maps"
            Expect.equal (Spread.label { Spread.reference with Fraction = 5f; Range = Spread.TopFraction 0.05f }) "f = 5, top 5%" "a spread in words"
            Expect.equal (Spread.label Spread.reference) "reference" "the reference"
            // the pair table tells the spreads of one rule apart
            let pairs = File.ReadAllText(Path.Combine(d.Path, "ablation", "pairs.md"))
            Expect.stringContains pairs "| sbp (sbp.fraction=5, sbp.range=reference) | 3 |" "a spread's strength in its rule's cell"
            Expect.stringContains pairs "| sbp-base | 3 |" "a rule without spread keeps its plain name"

        testCase "the conclusion reads each spread against the same base rule without spread, paired by seed" <| fun () ->
            use d = new TempDir()
            let spreads = [ SnnConfig.NoSpread; SnnConfig.Spread Spread.reference; SnnConfig.Spread { Spread.reference with Fraction = 5f } ]
            // f = 5 adds 2 points on either base in every replicate; the reference spread adds nothing
            let runs =
                [ for r in 0 .. 4 do
                      for i, b in List.indexed [ SnnConfig.Symmetric; SnnConfig.SbpBase ] do
                          for s in spreads ->
                              let gain = match s with SnnConfig.Spread x when x.Fraction = 5f -> 0.02 | _ -> 0.0
                              replicate r (SnnConfig.experiment { SnnConfig.defaults with Rule = b; Spread = s; Run.Epochs = 4 }), 0.80 + 0.01 * float i + gain + 0.001 * float r ]
            writeGrid d.Path "ablation" runs
            let text, _, _ = Report.build d.Path
            let lines = text.Split('\n')
            let after (start: string) = lines |> Array.skipWhile (fun l -> not (l.StartsWith start)) |> Array.truncate 4
            let reading = after "- Spiking network, mnist: each spread against the same base rule without spread (ablation;"
            Expect.equal reading.Length 4 "the reading: a header, one line per base rule, the reading"
            Expect.stringContains reading[1] "on the SBP base: reference +0.00 [+0.00, +0.00]" "the reference spread against the SBP base alone"
            Expect.stringContains reading[1] "f = 5 +2.00 [+2.00, +2.00]" "f = 5 against the SBP base alone, not against symmetric STDP (+3)"
            Expect.stringContains reading[2] "on the symmetric base: reference +0.00" "and on the symmetric base"
            Expect.stringContains reading[3] "raises the accuracy: f = 5 on the SBP base, f = 5 on the symmetric base;" "only f = 5 changes the accuracy"
            Expect.isFalse (reading[3].Contains "fewer than 5") "5 pairs are a result"

        testCase "the report never reads the local output of sbp train and sbp reproduce" <| fun () ->
            use d = new TempDir()
            let pairs = [ for r in 0 .. 4 do yield! [ replicate r symmetric, 0.80 + 0.001 * float r; replicate r sbp, 0.82 ] ]
            writeGrid d.Path "committed" pairs
            let text, _, _ = Report.build d.Path
            for local in [ Paths.trainFolder; Paths.reproduceGrid None; Paths.reproduceGrid (Some "nettalk") ] do
                writeGrid d.Path local pairs
            let again, _, _ = Report.build d.Path
            Expect.equal again text "the same report with the local output beside the committed grids"
            Expect.isTrue (Paths.isLocalOutput "reproduce-fashion" && not (Paths.isLocalOutput "reproducibility")) "named by the folders the commands write"

        testCase "a cost reduction at the metric's ceiling (SBP at every level from its first epoch) is said to be one" <| fun () ->
            use d = new TempDir()
            let put (e: Experiment) (curve: float list) = write (Path.Combine(d.Path, "g", Experiment.id e, "run.json")) (recordWith "g" e curve)
            for r in 0 .. 4 do
                put (replicate r symmetric) [ 0.5; 0.6; 0.7; 0.8 + 0.001 * float r ]
                put (replicate r sbp) [ 0.85; 0.85; 0.85; 0.85 + 0.001 * float r ]
            let text, _, _ = Report.build d.Path
            Expect.stringContains text "At the metric's ceiling: snn mnist (SBP's mean curve reaches every level at its first epoch" "named"
            // SBP only a little ahead, reaching the levels as the baseline does: no ceiling
            use d2 = new TempDir()
            writeGrid d2.Path "g" [ for r in 0 .. 4 do yield! [ replicate r symmetric, 0.80 + 0.001 * float r; replicate r sbp, 0.82 ] ]
            let text2, _, _ = Report.build d2.Path
            Expect.isFalse (text2.Contains "At the metric's ceiling") "no ceiling where SBP climbs as the baseline does"

        testCase "SBP depth in a deep network: read against depth 1 and against depth 0, and no verdict where no run learns" <| fun () ->
            use d = new TempDir()
            let at (hidden: int list) depth = SnnConfig.experiment { SnnConfig.defaults with Rule = SnnConfig.SbpBase; Spread = SnnConfig.Spread { Spread.reference with Depth = depth }; Run.Hidden = hidden; Run.Epochs = 4 }
            // 2 hidden layers: depths 2 and 3 add 2 points; 3 hidden layers: depth 1 is 3 points below the rest;
            // 4 hidden layers: every run at chance
            let top hidden depth r =
                match List.length hidden, depth with
                | 2, (2 | 3) -> 0.82 + 0.001 * float r
                | 2, _ -> 0.80 + 0.001 * float r
                | 3, 1 -> 0.65 + 0.002 * float r
                | 3, _ -> 0.68 + 0.001 * float r
                | _ -> 0.1065
            writeGrid d.Path "depth"
                [ for hidden in [ [ 20; 20 ]; [ 20; 20; 20 ]; [ 20; 20; 20; 20 ] ] do
                      for depth in 0 .. 3 do
                          for r in 0 .. 4 -> replicate r (at hidden depth), top hidden depth r ]
            let text, _, _ = Report.build d.Path
            let lineOf (layers: int) = text.Split('\n') |> Array.find (fun l -> l.StartsWith $"- {layers}-layer spiking network")
            Expect.stringContains (lineOf 4) "(depth, 4 epochs)" "the grid and its epochs"
            Expect.stringContains (lineOf 4) "depth 0 vs 1: +0.00" "depth 0 against depth 1 too"
            Expect.stringContains (lineOf 4) "Depths 2 and 3 help here" "a gain of depth, depth 0 no higher than depth 1"
            Expect.stringContains (lineOf 5) "Depths 2 and 3 lie above depth 1, but depth 0 (no backward spread) reaches as high" "depth 1 the low one"
            Expect.stringContains (lineOf 6) "No run learns (the best accuracy of any run is 10.65%): no verdict on depth." "chance everywhere"

        testCase "SBP's two halves are read beside the full rule of their own grid; a longer-trained source of the claim is named" <| fun () ->
            use d = new TempDir()
            let baseOnly = SnnConfig.experiment { SnnConfig.defaults with Rule = SnnConfig.SbpBase; Run.Epochs = 4 }
            let spreadOnly = SnnConfig.experiment { SnnConfig.defaults with Spread = SnnConfig.Spread Spread.reference; Run.Epochs = 4 }
            writeGrid d.Path "halves"
                [ for r in 0 .. 4 do
                      yield! [ replicate r symmetric, 0.80 + 0.001 * float r; replicate r sbp, 0.80 + 0.001 * float r
                               replicate r baseOnly, 0.80 + 0.001 * float r; replicate r spreadOnly, 0.80 + 0.001 * float r ] ]
            // the same comparison trained for 8 epochs, SBP 1 point ahead: the claim's source (longest trained)
            let longer (e: Experiment) = match tryConfig SnnConfig.family e with Some c -> SnnConfig.experiment { c with Run.Epochs = 8 } | None -> e
            for r in 0 .. 4 do
                for e, top in [ longer symmetric, 0.80 + 0.001 * float r; longer sbp, 0.81 + 0.001 * float r ] do
                    let e = replicate r e
                    write (Path.Combine(d.Path, "long", Experiment.id e, "run.json")) (recordWith "long" e [ for i in 1 .. 8 -> top * float i / 8.0 ])
            let text, _, _ = Report.build d.Path
            let lines = text.Split('\n')
            let i = lines |> Array.findIndex (fun l -> l.StartsWith "- Spiking network, mnist: the reference SBP run")
            Expect.stringContains lines[i] "+0.00 points" "the full rule read from the grid of the halves"
            Expect.stringContains lines[i] "halves, 4 epochs)" "named with its grid and epochs"
            Expect.stringContains lines[i + 1] "halves, 4 epochs)" "the halves too"
            Expect.stringContains lines[i + 3] "The grid the claim is read from (the full rule against symmetric STDP only): +1.00 points" "the claim's own source follows"
            Expect.stringContains lines[i + 3] "long, 8 epochs)" "with its grid and epochs"
            // the verdict reads the longer-trained grid; the conclusion names the other one with its reading
            Expect.stringContains text "snn mnist: halves (4 epochs, 5 pairs) +0.00 [+0.00, +0.00]" "the grid the verdict did not read"

        testCase "an experiment trained in two grids is checked record against record, and the claim is read from the grid made for it" <| fun () ->
            use d = new TempDir()
            let wider = SnnConfig.experiment { SnnConfig.defaults with Rule = SnnConfig.SbpBase; Run.Epochs = 4 }
            let pairs = [ for r in 0 .. 4 do yield! [ replicate r symmetric, 0.80 + 0.001 * float r; replicate r sbp, 0.82 ] ]
            writeGrid d.Path "a-wide" (pairs @ [ for r in 0 .. 4 -> replicate r wider, 0.81 ])
            writeGrid d.Path "b" pairs
            let text, _, _ = Report.build d.Path
            Expect.stringContains text "Reproducibility: 10 experiments were trained in more than one grid" "10 experiments in both grids"
            Expect.stringContains text "every measured value of every epoch agrees exactly" "identical records"
            let claim = text.Split('\n') |> Array.find (fun l -> l.StartsWith "| snn | mnist | 93.67")
            Expect.stringContains claim "| b: spiking network, SBP (reference spread) |" "equal pairs and epochs: the grid of fewest configurations answers"
            // one record trained again gives another curve
            let e = replicate 3 sbp
            write (Path.Combine(d.Path, "b", Experiment.id e, "run.json")) (recordWith "b" e [ 0.2; 0.4; 0.6; 0.83 ])
            let text2, _, _ = Report.build d.Path
            Expect.stringContains text2 $"the records of 1 of them\n**differ** in some measured value: {Experiment.id e}." "the differing experiment named"
    ]
