module Sbp.Tests.Experiments.StatsTests

open System.IO
open Expecto
open Sbp.Experiments
open Sbp.Experiments.RunRecord
open Sbp.Tests.TestSupport

let private epoch i acc ops =
    { Epoch = i; TrainAccuracy = acc; TestAccuracy = acc; TrainError = 1.0 - acc; TestError = 1.0 - acc; Seconds = 1.0; SynapticOps = ops; Extra = [] }

let record (rule: string) (replicate: int) (accs: float list) =
    { Config = [ "model", Text "snn"; "rule", Text rule; "dataset", Text "mnist"; "seed", Int(int64 replicate); "replicate", Int(int64 replicate) ]
      Seed = uint64 replicate
      Dataset = { Name = "mnist"; TrainSize = 10; TestSize = 10; Provenance = "synthetic" }
      Epochs = accs |> List.mapi (fun i a -> epoch (i + 1) a 100L)
      Status = Completed
      GitCommit = "test" }

/// The record the runner writes for replicate `replicate` of the spiking network under the rule named `rule` (as a
/// sweep names it), read back by the tables into its typed configuration.
let typedRecord (rule: string) (replicate: int) (accs: float list) =
    let e =
        SnnConfig.registered.Set "rule" rule SnnConfig.registered.Defaults
        |> Result.bind (SnnConfig.registered.Set "epochs" (string accs.Length))
        |> Result.defaultWith failwith
    let e = { e with Seed = Experiment.Replicate replicate }
    { record rule replicate accs with
        Config = Experiment.runConfig e @ [ "experimentId", Text(Experiment.id e); "replicate", Int(int64 replicate) ]
        Seed = Experiment.seed e
        // the standard MNIST split the configuration names, as a real run records it (Records checks it)
        Dataset = { Name = "mnist"; TrainSize = 60_000; TestSize = 10_000; Provenance = "synthetic" } }

let private close (a: float) b = abs (a - b) < 1e-9

[<Tests>]
let tests =
    testList "Experiments/Stats and tables" [
        testCase "mean and sample sd" <| fun () ->
            let m, s = Stats.meanSd [ 1.0; 2.0; 3.0; 4.0 ]
            Expect.isTrue (close m 2.5 && close s (sqrt (5.0 / 3.0))) "1..4"
            Expect.equal (Stats.meanSd [ 7.0 ]) (7.0, 0.0) "one value"

        testCase "the paper's cost metric on hand-computed curves" <| fun () ->
            // baseline errors .5 .4 .3 .2 .1; SBP .4 .2 .1 .1 .1
            // levels = linspace(max(.1,.1), min(.5,.4), 5) = .1 .175 .25 .325 .4
            // baseline first epochs: 5 5 4 3 2 -> mean 3.8; SBP: 3 3 2 2 1 -> mean 2.2; reduction 1 - 2.2/3.8
            let ea, eb, r = Stats.paperCost None [ 0.5; 0.4; 0.3; 0.2; 0.1 ] [ 0.4; 0.2; 0.1; 0.1; 0.1 ]
            Expect.isTrue (close ea 3.8) $"baseline mean epochs {ea}"
            Expect.isTrue (close eb 2.2) $"SBP mean epochs {eb}"
            Expect.isTrue (close r (1.0 - 2.2 / 3.8)) "reduction"
            // a cap of .3 on the upper level: levels .1 .15 .2 .25 .3 -> baseline 5 5 4 4 3 = 4.2, SBP 3 3 2 2 2 = 2.4
            let ea, eb, _ = Stats.paperCost (Some 0.3) [ 0.5; 0.4; 0.3; 0.2; 0.1 ] [ 0.4; 0.2; 0.1; 0.1; 0.1 ]
            Expect.isTrue (close ea 4.2 && close eb 2.4) $"capped {ea} {eb}"

        testCase "the reference curves of docs/SBP-SPEC.md §10 give the reported 3.2 -> 2.0 epochs (37.5%)" <| fun () ->
            // the nine epochs printed in the spec are enough: every level is first crossed within them
            let sym = [ 0.156; 0.139; 0.132; 0.129; 0.125 ]
            let sbp = [ 0.149; 0.126; 0.116; 0.109; 0.107 ]
            let ea, eb, r = Stats.paperCost None sym sbp
            Expect.isTrue (close ea 3.2 && close eb 2.0 && close r 0.375) $"{ea} {eb} {r}"

        property "Δ's t interval and the authors' cost of paired runs depend on the pairs, not on their order" <| fun (values: byte list) (rotate: byte) ->
            // pairs (baseline, rule) of error curves whose rule ends a byte in hundredths lower; the same pairs rotated
            let curves = values |> List.truncate 12 |> List.map (fun v -> [ 0.7; 0.6; 0.5; 0.5 ], [ 0.7; 0.55; 0.5; 0.5 - float v / 1000.0 ])
            if not curves.IsEmpty then
                let k = int rotate % curves.Length
                let turned = List.skip k curves @ List.take k curves
                let round (x: float) = System.Math.Round(x, 9).ToString(System.Globalization.CultureInfo.InvariantCulture)
                let costOf cs = Inference.authorsCost None cs |> Option.map (fun c -> round c.Reduction, round c.Low, round c.High)
                Expect.equal (costOf turned) (costOf curves) "the same cost in any order"
                let deltas cs = cs |> List.map (fun (a: float list, b: float list) -> List.min a - List.min b)
                let ci cs = let e = Inference.tInterval (deltas cs) in round e.Mean, round e.Low, round e.High
                Expect.equal (ci turned) (ci curves) "the same interval in any order"

        testCase "counted operations to a target accuracy" <| fun () ->
            let r = record "x" 0 [ 0.5; 0.7; 0.9; 0.95 ]
            Expect.equal (Stats.opsToTarget 0.9 r.Epochs) (Some 300L) "three epochs of 100"
            Expect.equal (Stats.opsToTarget 0.99 r.Epochs) None "never"

        testCase "tables from synthetic records: groups, mean ± sd, pairs by replicate" <| fun () ->
            let records =
                [ typedRecord "symmetric" 0 [ 0.5; 0.6; 0.7 ]; typedRecord "symmetric" 1 [ 0.5; 0.7; 0.8 ]
                  typedRecord "sbp" 0 [ 0.6; 0.7; 0.8 ]; typedRecord "sbp" 1 [ 0.7; 0.8; 0.9 ] ]
            let gs = Tables.groups records
            Expect.equal gs.Length 2 "two configurations"
            let t = Tables.summary gs
            Expect.equal t.Header.Head "rule" "the varying column"
            let sbpRow = t.Rows |> List.find (fun r -> r.Head = "sbp")
            Expect.equal sbpRow[1] "2" "runs"
            Expect.equal sbpRow[4] (sprintf "%.2f ± %.2f" 85.0 (100.0 * sqrt 0.005)) "best accuracy in %, mean ± sd"
            let ps = Tables.pairs None gs
            Expect.equal ps.Length 1 "sbp against symmetric"
            let deltas = ps.Head.Pairs |> List.map (fun m -> m.Delta)
            Expect.isTrue (List.forall2 close deltas [ 0.1; 0.1 ]) $"paired by replicate: {deltas}"

        testCase "the paper's accuracy: 1 − min of the mean error curve ± the population sd at that epoch" <| fun () ->
            // mean curve (.45, .25, .25): the first minimum is epoch 2; the runs' errors there are .3 and .2
            let acc, sd, epoch = Stats.paperAccuracy [ [ 0.5; 0.3; 0.2 ]; [ 0.4; 0.2; 0.3 ] ]
            Expect.isTrue (close acc 0.75) $"accuracy {acc}"
            Expect.isTrue (close sd 0.05) $"population sd {sd} (the sample sd would be {0.05 * sqrt 2.0})"
            Expect.equal epoch 2 "epoch of the minimum"
            Expect.isTrue (close (Stats.populationSd [ 1.0; 2.0; 3.0; 4.0 ]) (sqrt 1.25)) "population sd of 1..4"

        testCase "the paper's cost reduction is a ratio of mean epochs on the mean curves, not a mean of pair reductions" <| fun () ->
            // baselines (.6 .4 .2) and (.4 .2 .2): mean (.5 .3 .2); rules (.4 .2 .1) and (.2 .2 .1): mean (.3 .2 .1)
            // levels linspace(max(.2, .1), min(.5, .3), 5) = .2 .225 .25 .275 .3
            // baseline first epochs 3 3 3 3 2 -> 2.8; rule 2 2 2 2 1 -> 1.8; reduction 1 - 1.8/2.8
            let baselines = [ [ 0.6; 0.4; 0.2 ]; [ 0.4; 0.2; 0.2 ] ]
            let rules = [ [ 0.4; 0.2; 0.1 ]; [ 0.2; 0.2; 0.1 ] ]
            let ea, eb, r = Stats.paperCostOfMeans None baselines rules
            Expect.isTrue (close ea 2.8 && close eb 1.8) $"mean epochs {ea} -> {eb}"
            Expect.isTrue (close r (1.0 - 1.8 / 2.8)) $"reduction {r}"
            // per pair: (2.8 -> 1.8) and (levels all .2: 2 -> 1), so the mean of the pair reductions is (5/14 + 1/2)/2
            let perPair = List.map2 (fun a b -> let _, _, x = Stats.paperCost None a b in x) baselines rules |> List.average
            Expect.isTrue (close perPair ((5.0 / 14.0 + 0.5) / 2.0)) $"mean of pairs {perPair}"
            Expect.isFalse (close perPair r) "the two forms differ on these curves"
            Expect.equal (Stats.meanCurve [ [ 1.0; 2.0; 3.0 ]; [ 3.0; 4.0 ] ]) [ 2.0; 3.0 ] "mean over the common epochs"

        testCase "the paper's cap rules: 40% for the ANN on NETtalk and DVS only, 20% for the SNN on DVS" <| fun () ->
            Expect.equal (EqPropConfig.family.PaperCap DataSets.Nettalk) (Some 0.4) "ANN NETtalk"
            Expect.equal (EqPropConfig.family.PaperCap DataSets.Dvs) (Some 0.4) "ANN DVS"
            Expect.equal (EqPropConfig.family.PaperCap DataSets.Mnist) None "ANN MNIST: no cap"
            Expect.equal (SnnConfig.family.PaperCap DataSets.Dvs) (Some 0.2) "SNN DVS"
            Expect.equal (SnnConfig.family.PaperCap DataSets.Nettalk) None "SNN NETtalk: no cap"
            Expect.equal (SnnConfig.family.PaperCap DataSets.Mnist) None "SNN MNIST: no cap"
            Expect.equal (SmlpConfig.family.PaperCap DataSets.Dvs) None "spiking MLP: no published cap"

        testCase "tables sort numerically, show every varied parameter, no spread for one run, in %" <| fun () ->
            Expect.equal (List.sortBy Tables.sortKey [ "20"; "5"; "11"; "500 500"; "500"; "abc" ]) [ "5"; "11"; "20"; "500"; "500 500"; "abc" ] "numbers as numbers"
            let withHidden (h: string) (rate: float) (r: RunRecord.Record) =
                { r with Config = r.Config @ [ "hidden", Text h; "learningRate", Num rate ] }
            // the learning rate moves together with the hidden size: both are shown
            let records =
                [ record "symmetric" 0 [ 0.5; 0.6 ] |> withHidden "20" 0.1
                  record "symmetric" 0 [ 0.5; 0.7 ] |> withHidden "5" 0.2
                  record "symmetric" 0 [ 0.4; 0.6 ] |> withHidden "11" 0.3 ]
            let t = Tables.summary (Tables.groups records)
            Expect.equal (t.Header |> List.take 2) [ "hidden"; "learningRate" ] "both varied parameters are columns"
            Expect.equal (t.Rows |> List.map List.head) [ "5"; "11"; "20" ] "rows in numeric order"
            let row = t.Rows |> List.find (fun r -> r.Head = "5")
            Expect.equal row[5] "70.00" "one run: the value, no ± 0"
            Expect.equal (Tables.pctMeanSd [ 0.5 ]) "50.00" "n = 1"
            Expect.equal (Tables.pctMeanSd [ 0.5; 0.7 ]) (sprintf "60.00 ± %.2f" (100.0 * sqrt 0.02)) "n = 2"

        // deliberately changed with the typed baselines: rules whose baseline has no runs are named in pairs.md
        testCase "a grid without baseline runs names the missing baselines; one with nothing to compare writes no pair table" <| fun () ->
            use d = new TempDir()
            for i, r in List.indexed [ typedRecord "sbp" 0 [ 0.5; 0.6 ]; typedRecord "sbp-base" 0 [ 0.4; 0.7 ] ] do
                RunRecord.write (Path.Combine(d.Path, "g", $"run{i}", "run.json")) r
            File.WriteAllText(Path.Combine(d.Path, "g", "pairs.md"), "stale")
            let md, _ = Tables.write d.Path "g" None
            Expect.isFalse (md.Contains "Each rule against its baseline") "no empty section"
            let pairs = File.ReadAllText(Path.Combine(d.Path, "g", "pairs.md"))
            Expect.stringContains pairs "### Missing baselines" "the missing baselines, not a silent gap"
            Expect.stringContains pairs "snn sbp mnist" "the SBP run named"
            Expect.stringContains pairs "snn sbp-base mnist" "the SBP base rule named"
            Expect.isFalse (File.Exists(Path.Combine(d.Path, "g", "pairs.csv"))) "no pair rows"
            Expect.isTrue (File.Exists(Path.Combine(d.Path, "g", "table.md"))) "the summary is written"
            use b = new TempDir()
            RunRecord.write (Path.Combine(b.Path, "g", "run0", "run.json")) (typedRecord "symmetric" 0 [ 0.5; 0.6 ])
            File.WriteAllText(Path.Combine(b.Path, "g", "pairs.md"), "stale")
            Tables.write b.Path "g" None |> ignore
            Expect.isFalse (File.Exists(Path.Combine(b.Path, "g", "pairs.md"))) "no pairs.md, an old one removed"
    ]
