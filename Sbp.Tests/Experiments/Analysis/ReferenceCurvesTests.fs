/// The authors' code's reference curves: the committed file's format is read strictly, and the two figures the report's
/// criterion uses (the largest fall between epochs, the best of the first k epochs) agree with hand-computed cases.
module Sbp.Tests.Experiments.ReferenceCurvesTests

open System.IO
open Expecto
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private header = "# made by hand\nrule\tepoch\ttestAccuracy\n"

[<Tests>]
let tests =
    testList "Experiments/ReferenceCurves" [
        testCase "a file of two rules reads back in order; comments and blank lines are skipped" <| fun () ->
            let curves = ReferenceCurves.parse "f" (header + "symmetric\t1\t0.8771\nsymmetric\t2\t0.8718\n\n# note\nsbp\t1\t0.8926\r\n")
            Expect.equal curves [ { ReferenceCurves.Rule = "symmetric"; ReferenceCurves.Accuracy = [ 0.8771; 0.8718 ] }
                                  { ReferenceCurves.Rule = "sbp"; ReferenceCurves.Accuracy = [ 0.8926 ] } ] "curves"

        testCase "a malformed file is refused naming the line" <| fun () ->
            for text, fragment in
                [ "", "f:1: no header"
                  "rule\tepoch\n", "f:1: header"
                  header + "symmetric\t2\t0.8\n", "f:3: epoch 2 of rule 'symmetric'; expected 1"
                  header + "symmetric\t1\t1.2\n", "f:3: testAccuracy '1.2'"
                  header + "symmetric\t1\tNaN\n", "f:3: testAccuracy 'NaN'"
                  header + "symmetric\tone\t0.8\n", "f:3: epoch 'one'"
                  header + "symmetric 1 0.8\n", "f:3: 1 cells"
                  header + "\t1\t0.8\n", "f:3: an empty rule" ] do
                let e = throwsOf<InvalidDataException> (fun () -> ReferenceCurves.parse "f" text |> ignore) fragment
                Expect.stringContains e.Message fragment "the line and the fault"

        testCase "the largest fall between consecutive epochs and the best of the first k, against hand-computed values" <| fun () ->
            let curve = [ 0.80; 0.85; 0.83; 0.86; 0.845; 0.87 ]
            let after, fall = ReferenceCurves.largestDrop curve
            Expect.equal after 2 "after epoch 2 (0.85 → 0.83)"
            Expect.floatClose Accuracy.veryHigh fall 0.02 "0.02"
            Expect.equal (ReferenceCurves.largestDrop [ 0.1; 0.2; 0.3 ]) (0, 0.0) "a rising curve never falls"
            Expect.equal (ReferenceCurves.bestWithin 3 curve) 0.85 "best of epochs 1-3"
            Expect.equal (ReferenceCurves.bestWithin 99 curve) 0.87 "k beyond the curve: all of it"

        testCase "the committed reference file is built in, reads, and names the grid's rules" <| fun () ->
            let path = Path.Combine(repository.Value, "data", "reference", "authors-snn-mnist.tsv")
            if File.Exists path then
                let curves = ReferenceCurves.committed.Value
                Expect.isNonEmpty curves "at least one rule"
                for c in curves do Expect.contains [ "symmetric"; "sbp" ] c.Rule "a rule of grid paper-snn"
                Expect.equal curves (ReferenceCurves.parse "f" (File.ReadAllText path)) "the library's copy is the file"
            else Expect.isEmpty ReferenceCurves.committed.Value "no file, no curves" ]
