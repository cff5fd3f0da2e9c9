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
            Expect.equal (tryConfig SnnConfig.family back) (Some (SnnConfig.resolve { c with Run.Seed = seed e }).Config) "the typed config"

        property "an equilibrium-propagation record reads back as the same typed config" <| fun (rule: byte) (theta: byte) (depth: byte) (task: byte) (rep: byte) ->
            let rule = pick [ EqPropConfig.EqProp; EqPropConfig.SbpEnergy(float32 theta / 7f); EqPropConfig.SbpOperator { Spread.reference with Depth = int depth % 3 } ] rule
            let c = { EqPropConfig.defaults with Rule = rule; Run.Dataset = pick [ DataSets.Mnist; DataSets.Nettalk; DataSets.Dvs ] task }
            let e = replicate (int rep % 5) (EqPropConfig.experiment c)
            let back = readsBack e
            Expect.equal (tryConfig EqPropConfig.family back) (Some (EqPropConfig.resolve { c with Run.Seed = seed e }).Config) "the typed config"

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
            Expect.equal (tryConfig SmlpConfig.family back) (Some (SmlpConfig.resolve { c with Run.Seed = seed e }).Config) "the typed config"

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
            let deltas = bySbp.Pairs |> List.map (fun m -> System.Math.Round(m.Delta, 6)) |> List.sort
            Expect.equal deltas [ 0.01; 0.05 ] "replicate 0 with 0, 1 with 1"
            Expect.isEmpty (Tables.missingBaselines gs) "nothing missing"
            // paired seeds: replicate r of both rules share one seed
            Expect.equal (seed (replicate 1 sbp)) (seed (replicate 1 symmetric)) "paired seeds"

        testCase "a rule without baseline runs is named in the tables" <| fun () ->
            use d = new TempDir()
            writeGrid d.Path "only-sbp" [ replicate 0 sbp, 0.85; replicate 1 sbp, 0.71 ]
            let gs = Tables.groups (Tables.load d.Path "only-sbp" |> List.map snd)
            Expect.isEmpty (Tables.pairs None gs) "no pairs"
            let missing = Tables.missingBaselines gs
            Expect.equal missing.Length 1 "one missing baseline"
            Expect.stringContains missing.Head "no runs of its baseline snn symmetric mnist" "names the baseline"
            let md, _ = Tables.write d.Path "only-sbp" None
            Expect.stringContains md "### Missing baselines" "the table says so"
            // the report names every claim of the paper without runs, and writes nothing unless allowed
            let _, missing = Report.write d.Path false
            Expect.isTrue (missing |> List.exists (fun m -> m.StartsWith "spiking STDP network on MNIST: paper-snn: no records committed")) "the claim and its grid named"
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

            use d = new TempDir()
            for e, top in [ replicate 0 symmetric, 0.8; replicate 0 sbp, 0.85 ] do
                let path = Path.Combine(d.Path, "old", Experiment.id e, "run.json")
                Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
                File.WriteAllText(path, (toJson (recordOf "old" e top)).Replace($"\"schema\": {schemaVersion}", "\"schema\": 1"))
            let md, _ = Tables.write d.Path "old" None
            Expect.stringContains md "written under schema 1, which this version no longer reads" "each refused, naming the schema"
            Expect.stringContains md "## old: 0 runs" "none counted"

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
            Expect.stringContains pairs "| sbp (sbp.fraction=5, sbp.range=reference) | 3 (a first reading) |" "a spread's strength in its rule's cell"
            Expect.stringContains pairs "| sbp-base | 3 (a first reading) |" "a rule without spread keeps its plain name"

        testCase "the report reads only the grids it declares, fits a screen and regenerates byte for byte" <| fun () ->
            use d = new TempDir()
            writeGrid d.Path "paper-snn"
                [ for r in 0 .. 4 do
                      yield replicate r symmetric, 0.7 + 0.01 * float r
                      yield replicate r sbp, 0.72 + 0.01 * float r ]
            let read name = File.ReadAllBytes(Path.Combine(d.Path, name))
            let text, _ = Report.write d.Path true
            let report = read "REPORT.md"
            // a folder the report does not declare (a smoke run, a sweep) is never read
            writeGrid d.Path "smoke" [ for r in 0 .. 1 do yield! [ replicate r symmetric, 0.5; replicate r sbp, 0.9 ] ]
            let text2, _ = Report.write d.Path true
            Expect.equal (read "REPORT.md") report "report identical, the undeclared folder left out"
            Expect.equal text2 text "same text"
            Expect.isFalse (text.Contains "smoke") "not named"
            let lines = text.Split('\n')
            Expect.isLessThanOrEqual lines.Length 300 "one screen: at most 300 lines"
            let header = lines |> Array.findIndex (fun l -> l.StartsWith "| claim | the paper |")
            Expect.isLessThan header 60 "the verdict table within the first 60 lines"
            Expect.isTrue (File.Exists(Path.Combine(d.Path, "paper-snn", "README.md"))) "the grid's own page"
            Expect.isFalse (File.Exists(Path.Combine(d.Path, "smoke", "README.md"))) "no page for an undeclared folder"
            Expect.isTrue (FileInfo(Path.Combine(d.Path, "paper-vs-ours.png")).Length > 1000L) "the paper-vs-ours figure is written beside it"

        testCase "every claim gets the verdict the stated rule gives: t interval against half the paper's gain" <| fun () ->
            // the baseline levels off at 92%; "faster" ends 2 points higher and sooner (the paper: +1.47, so half is
            // 0.735), "worse" ends 1 point lower and later
            let baseline = [ 0.80; 0.85; 0.88; 0.90; 0.91; 0.92; 0.92; 0.92 ]
            let faster = [ 0.86; 0.90; 0.92; 0.93; 0.935; 0.94; 0.94; 0.94 ]
            let worse = [ 0.70; 0.78; 0.84; 0.87; 0.89; 0.90; 0.91; 0.91 ]
            let shift r (curve: float list) = curve |> List.map (fun x -> x + 0.001 * float r)
            let sized e = Grid.on SnnConfig.family (fun c -> { c with Run.Epochs = 8 }) e
            let row (text: string) = text.Split('\n') |> Array.find (fun l -> l.StartsWith "| spiking STDP network, MNIST:")
            let cells (l: string) = l.Split('|') |> Array.map (fun c -> c.Trim())
            for rule, gain, cost in [ faster, "reproduced", "reproduced"; worse, "not reproduced", "not reproduced" ] do
                use d = new TempDir()
                for r in 0 .. 4 do
                    for e, curve in [ sized symmetric, baseline; sized sbp, rule ] do
                        let e = replicate r e
                        write (Path.Combine(d.Path, "paper-snn", Experiment.id e, "run.json")) (recordWith "paper-snn" e (shift r curve))
                let text, rows, _, _, _ = Report.build d.Path
                let c = cells (row text)
                Expect.equal c[4] "5" "5 pairs"
                Expect.stringContains c[3] "8 ep., file order" "epochs and data order of the runs"
                Expect.equal c[8] gain $"gain {gain}: {row text}"
                Expect.equal c[10] cost $"cost {cost}: {row text}"
                Expect.isNonEmpty rows "a row of the paper-vs-ours figure"
            // with 3 pairs the same data give a first reading, never a verdict
            use d = new TempDir()
            for r in 0 .. 2 do
                for e, curve in [ sized symmetric, baseline; sized sbp, faster ] do
                    let e = replicate r e
                    write (Path.Combine(d.Path, "paper-snn", Experiment.id e, "run.json")) (recordWith "paper-snn" e curve)
            let text, _, _, _, _ = Report.build d.Path
            let c3 = cells (row text)
            Expect.equal c3[8] "inconclusive" "3 pairs"
            Expect.equal c3[4] "3 (a first reading)" "the pairs cell says so"
            Expect.stringContains text "First readings only" "said to be a first reading"
            Expect.stringContains text "spiking STDP network on MNIST, SBP raises accuracy and lowers the cost of training (3 of 5 pairs so far)" "naming the claim, not only its model and task"
            // a single pair: a single run in every table, its values without a spread it does not have
            use d = new TempDir()
            for e, curve in [ sized symmetric, baseline; sized sbp, faster ] do
                let e = replicate 0 e
                write (Path.Combine(d.Path, "paper-snn", Experiment.id e, "run.json")) (recordWith "paper-snn" e curve)
            let text, _, _, _, _ = Report.build d.Path
            let c1 = cells (row text)
            Expect.equal c1[4] "1 (a single run)" "verdict table"
            let other = text.Split('\n') |> Array.find (fun l -> l.StartsWith "| spiking STDP network, MNIST, SBP |")
            let co = cells other
            Expect.equal co[3] "1 (a single run)" "other comparisons"
            Expect.equal co[4] "92.00" "the baseline's best alone"
            Expect.isFalse (other.Contains "±") $"no spread from one run: {other}"

        testCase "a cost at the metric's ceiling is said to be not measurable" <| fun () ->
            use d = new TempDir()
            let sized e = Grid.on SnnConfig.family (fun c -> { c with Run.Epochs = 4 }) e
            for r in 0 .. 4 do
                for e, curve in [ sized symmetric, [ 0.80; 0.85; 0.88; 0.90 ]; sized sbp, [ 0.93; 0.93; 0.93; 0.93 ] ] do
                    let e = replicate r e
                    write (Path.Combine(d.Path, "paper-snn", Experiment.id e, "run.json")) (recordWith "paper-snn" e (curve |> List.map (fun x -> x + 0.001 * float r)))
            let text, _, _, _, _ = Report.build d.Path
            let l = text.Split('\n') |> Array.find (fun l -> l.StartsWith "| spiking STDP network, MNIST:")
            Expect.stringContains l "(ceiling)" "the figure is marked as a bound"
            Expect.stringContains l "| not measurable |" "and judged not measurable"

        testCase "the spiking MLP's NETtalk claims are read on the authors' first-of-batch metric, and a record without it is named" <| fun () ->
            use d = new TempDir()
            let smlp c = SmlpConfig.experiment { c with SmlpConfig.Run.Epochs = 2; SmlpConfig.Run.Dataset = DataSets.Nettalk }
            let replaced by p = smlp { SmlpConfig.defaults with Gradient = SmlpConfig.Replaced { SmlpConfig.replacement by with Proportion = p } }
            let withFirst (first: float) (r: Record) = { r with Epochs = r.Epochs |> List.map (fun e -> { e with Extra = [ "testCosineFirstOfBatch", first ] }) }
            for r in 0 .. 4 do
                for e, mean, first in [ smlp SmlpConfig.defaults, 0.90, 0.90; replaced (SmlpConfig.Sbp SmlpConfig.referenceGradient) 1f, 0.80, 0.83 + 0.001 * float r
                                        replaced SmlpConfig.Zero 1f, 0.75, 0.44; replaced (SmlpConfig.Sbp SmlpConfig.referenceGradient) 0.5f, 0.899, 0.899 ] do
                    let e = replicate r e
                    write (Path.Combine(d.Path, "paper-smlp", Experiment.id e, "run.json")) (withFirst first (recordWith "paper-smlp" e [ mean; mean ]))
            let text, _, _, _, _ = Report.build d.Path
            let row (s: string) = text.Split('\n') |> Array.find (fun l -> l.StartsWith("| spiking MLP, NETtalk (the authors' first-of-batch cosine): " + s))
            // first-of-batch: SBP 83.2 against zero 44 (+39, the paper +38.6) — on the mean cosine it would be +5
            Expect.stringContains (row "SBP in place of every hidden gradient") "| +39.20 [" "Δ on the authors' metric"
            Expect.stringContains (row "SBP in place of every hidden gradient") "| reproduced |" "reproduced"
            Expect.stringContains (row "SBP in half the batches") "| reproduced |" "kept"
            // records written before the metric was recorded
            use d2 = new TempDir()
            for r in 0 .. 4 do
                for e in [ replaced (SmlpConfig.Sbp SmlpConfig.referenceGradient) 1f; replaced SmlpConfig.Zero 1f ] do
                    let e = replicate r e
                    write (Path.Combine(d2.Path, "paper-smlp", Experiment.id e, "run.json")) (recordWith "paper-smlp" e [ 0.5; 0.6 ])
            let text2, _, _, _, _ = Report.build d2.Path
            Expect.stringContains text2 "do not carry testCosineFirstOfBatch" "named, not read on another metric"

        testCase "DVS claims need the user's recordings: said as such, and never counted as missing runs" <| fun () ->
            use d = new TempDir()
            writeGrid d.Path "paper-snn" [ for r in 0 .. 1 do yield! [ replicate r symmetric, 0.8; replicate r sbp, 0.82 ] ]
            let text, missing = Report.write d.Path true
            Expect.isFalse (missing |> List.exists (fun m -> m.Contains "DVS")) "not missing"
            Expect.stringContains text "needs the DVS128 Gesture recordings" "what it needs"
    
        testCase "git keeps exactly the report and the grids it declares under results/ (scratch output is ignored)" <| fun () ->
            let ignoreFile = File.ReadAllLines(Path.Combine(repository.Value, ".gitignore"))
            let kept = ignoreFile |> Array.choose (fun l -> if l.StartsWith "!results/" && l.EndsWith "/" then Some(l.Substring(9).TrimEnd('/')) else None) |> Set.ofArray
            Expect.contains ignoreFile "results/*" "everything else under results/ is ignored"
            Expect.equal kept (Set.ofList ("snn-acceptance" :: [ for g in PaperClaims.grids -> g.Name ])) "the declared grids (and the checked single runs), no more, no less"
    
        testCase "runs that visit the training set in different orders are never paired" <| fun () ->
            use d = new TempDir()
            let baseOnly = SnnConfig.experiment { SnnConfig.defaults with Rule = SnnConfig.SbpBase; Run.Epochs = 4 }
            let shuffled = Grid.shuffledEachEpoch [ symmetric ] |> List.exactlyOne
            // the data order a compared key, so that replicate r of all three arms shares one seed; the shuffled arm far
            // below the file-order one: paired with it, Δ would be +22 points, not +2
            let arms = [ for e, top in [ symmetric, 0.90; shuffled, 0.70; baseOnly, 0.92 ] do for r in Grid.pairedSeeds [ "dataOrder" ] 5 [ e ] -> r, top ]
            Expect.equal (arms |> List.map (fst >> Experiment.seed) |> List.distinct |> List.length) 5 "one seed per replicate"
            writeGrid d.Path "paper-ablation" arms
            let g = Findings.readGrids d.Path |> List.find (fun g -> g.Name = "paper-ablation")
            match Findings.versus g DataSets.Mnist PaperClaims.snnSymmetric PaperClaims.snnBaseOnly with
            | Ok c ->
                Expect.equal c.Order "file order" "the file-order arm"
                Expect.equal c.Runs.Length 5 "five pairs"
                Expect.floatClose Accuracy.high c.Delta.Mean 0.02 "Δ against the arm of the same order"
            | Error m -> failtest m
            match Findings.versus g DataSets.Mnist PaperClaims.snnSymmetricShuffled PaperClaims.snnBaseOnly with
            | Ok c -> failtestf "paired across orders: %A" c.Delta
            | Error m -> Expect.stringContains m "share a data order" "why there is no pair"

        testCase "the ablation's finding concludes what its intervals say, arm by arm" <| fun () ->
            use d = new TempDir()
            let arm rule spread = SnnConfig.experiment { SnnConfig.defaults with Rule = rule; Spread = spread; Run.Epochs = 4 }
            let baseOnly = arm SnnConfig.SbpBase SnnConfig.NoSpread
            let spreadOnly = arm SnnConfig.Symmetric (SnnConfig.Spread Spread.reference)
            let baseF5 = arm SnnConfig.SbpBase (SnnConfig.Spread { Spread.reference with Fraction = 5f })
            let wobble r = if r % 2 = 0 then 0.001 else -0.001
            writeGrid d.Path "paper-ablation"
                [ for r in 0 .. 4 do
                      let sym, b = 0.890 + 0.001 * float r, 0.910 + 0.002 * float r
                      yield! [ replicate r symmetric, sym                        // the base rule: Δ ≈ +2 points, interval above 0
                               replicate r baseOnly, b
                               replicate r sbp, b + wobble r                     // the reference spread on it: interval across 0
                               replicate r spreadOnly, sym - 0.003 - wobble r    // on symmetric STDP: interval below 0
                               replicate r baseF5, b + 0.01 + 0.001 * float r ] ] // f = 5 on the base rule; none on symmetric
            let text, _, _, _, _ = Report.build d.Path
            Expect.stringContains text "(paper-ablation, full MNIST, 4 epochs, file order; Δ best test accuracy, 95% t)" "where and how long, from the records"
            Expect.stringContains text "the base rule alone raises accuracy against symmetric STDP (SBP base rule, no spread vs symmetric STDP +" "each conclusion from its interval"
            Expect.stringContains text "changes nothing measurable on the SBP base rule (SBP vs SBP base rule, no spread" "an interval across 0"
            Expect.stringContains text "the reference spread lowers accuracy on symmetric STDP (symmetric STDP + reference spread vs symmetric STDP -" "an interval below 0"
            Expect.stringContains text "a spread 5 times the modification (f = 5) raises accuracy on the SBP base rule (SBP base rule + spread f = 5 vs" "the stronger spread"
            Expect.stringContains text "a spread 5 times the modification (f = 5) is not yet measured on 5 pairs on symmetric STDP (symmetric STDP + spread f = 5: no finished runs" "a missing arm said so"
            Expect.stringContains text "a spread as large as the modification (f = 1) is not yet measured on 5 pairs on the SBP base rule (SBP base rule + spread f = 1: no finished runs" "every arm concluded, none picked by position"

        testCase "a difference that rests on one collapsed baseline run is said so, with Δ over the other pairs" <| fun () ->
            use d = new TempDir()
            let sized e = Grid.on SnnConfig.family (fun c -> { c with Run.Epochs = 4 }) e
            for r in 0 .. 4 do
                // replicate 4's baseline stalls at 40%; every other pair: SBP 1 point below symmetric STDP
                let top = if r = 4 then 0.40 else 0.90 + 0.001 * float r
                for e, t in [ sized symmetric, top; sized sbp, 0.89 + 0.001 * float r ] do
                    let e = replicate r e
                    write (Path.Combine(d.Path, "paper-snn", Experiment.id e, "run.json")) (recordOf "paper-snn" e t)
            let text, _, _, _, _ = Report.build d.Path
            Expect.stringContains text "Differences that rest on a collapsed baseline run" "said"
            Expect.stringContains text "1 run(s) of symmetric STDP that stayed more than 5.0 points below that arm's median of 90.10% (best 40.00%)" "the collapsed run named with its best and the rule"
            Expect.stringContains text "without those pairs -1.00 [-1.00, -1.00] points over the other 4 pairs" "Δ without it"
    ]
