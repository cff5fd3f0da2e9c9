module Sbp.Tests.Experiments.StatsTests

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

        testCase "the reference curves of SBP-SPEC §10 give the reported 3.2 -> 2.0 epochs (37.5%)" <| fun () ->
            // the nine epochs printed in the spec are enough: every level is first crossed within them
            let sym = [ 0.156; 0.139; 0.132; 0.129; 0.125 ]
            let sbp = [ 0.149; 0.126; 0.116; 0.109; 0.107 ]
            let ea, eb, r = Stats.paperCost None sym sbp
            Expect.isTrue (close ea 3.2 && close eb 2.0 && close r 0.375) $"{ea} {eb} {r}"

        testCase "Wilcoxon signed-rank: exact p-values of known cases" <| fun () ->
            // five positive differences: the most extreme of 2⁵ patterns on each side, p = 2/32
            let w, p = Stats.wilcoxon [ 0.1; 0.2; 0.3; 0.4; 0.5 ]
            Expect.equal w 15.0 "W+ = 1+2+3+4+5"
            Expect.isTrue (close p 0.0625) $"p = {p}"
            // ranks 1..5 with signs + - + + +: W+ = 13, W- = 2; rank sets summing to at most 2 are {}, {1}, {2}:
            // with their mirrors 6 of 32 patterns
            let _, p = Stats.wilcoxon [ 0.1; -0.2; 0.3; 0.4; 0.5 ]
            Expect.isTrue (close p 0.1875) $"p = {p}"
            Expect.equal (Stats.wilcoxon [ 0.0; 0.0 ]) (0.0, 1.0) "no non-zero difference"
            // ties take mid-ranks: |d| = 1, 1, 2 -> ranks 1.5, 1.5, 3; all positive: W+ = 6, p = 2/8
            let w, p = Stats.wilcoxon [ 1.0; 1.0; 2.0 ]
            Expect.isTrue (close w 6.0 && close p 0.25) $"W {w} p {p}"

        testCase "counted operations to a target accuracy" <| fun () ->
            let r = record "x" 0 [ 0.5; 0.7; 0.9; 0.95 ]
            Expect.equal (Stats.opsToTarget 0.9 r.Epochs) (Some 300L) "three epochs of 100"
            Expect.equal (Stats.opsToTarget 0.99 r.Epochs) None "never"

        testCase "tables from synthetic records: groups, mean ± sd, pairs by replicate" <| fun () ->
            let records =
                [ record "symmetric" 0 [ 0.5; 0.6; 0.7 ]; record "symmetric" 1 [ 0.5; 0.7; 0.8 ]
                  record "sbp" 0 [ 0.6; 0.7; 0.8 ]; record "sbp" 1 [ 0.7; 0.8; 0.9 ] ]
            let gs = Tables.groups records
            Expect.equal gs.Length 2 "two configurations"
            let t = Tables.summary gs
            Expect.equal t.Header.Head "rule" "the varying column"
            let sbpRow = t.Rows |> List.find (fun r -> r.Head = "sbp")
            Expect.equal sbpRow[1] "2" "runs"
            Expect.equal sbpRow[4] (sprintf "%.4f ± %.4f" 0.85 (sqrt 0.005)) "best accuracy mean ± sd"
            let ps = Tables.pairs None gs
            Expect.equal ps.Length 1 "sbp against symmetric"
            let deltas = ps.Head.Pairs |> List.map (fun (d, _, _, _, _) -> d)
            Expect.isTrue (List.forall2 close deltas [ 0.1; 0.1 ]) $"paired by replicate: {deltas}"
    ]
