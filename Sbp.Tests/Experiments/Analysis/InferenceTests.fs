module Sbp.Tests.Experiments.InferenceTests

open Expecto
open Sbp.Experiments
open Sbp.Experiments.Inference
open Sbp.Tests.TestSupport

/// The Student t density, integrated by Simpson's rule: an oracle for the p-values that does not use the library
/// the code under test calls.
let private tTailTwoSided (t: float) (df: float) =
    let gamma (x: float) = exp (MathNet.Numerics.SpecialFunctions.GammaLn x)
    let pdf (x: float) = gamma ((df + 1.0) / 2.0) / (sqrt (df * System.Math.PI) * gamma (df / 2.0)) * (1.0 + x * x / df) ** (-(df + 1.0) / 2.0)
    let n = 20000
    let h = t / float n
    let s = pdf 0.0 + pdf t + List.sum [ for i in 1 .. n - 1 -> (if i % 2 = 1 then 4.0 else 2.0) * pdf (float i * h) ]
    2.0 * (0.5 - s * h / 3.0)

let private estimate m lo hi n : Estimate = { Mean = m; Low = lo; High = hi; N = n }

[<Tests>]
let tests =
    testList "Experiments/Inference" [
        testCase "the t interval of 1..5 is 3 ± t(0.975; 4)·sd/√5, computed by hand" <| fun () ->
            let e = tInterval [ 1.0; 2.0; 3.0; 4.0; 5.0 ]
            Expect.floatClose Accuracy.high e.Low 1.0367568385224393 "lower end"
            Expect.floatClose Accuracy.high e.High 4.9632431614775605 "upper end"
            Expect.equal e.N 5 "n"
            let one = tInterval [ 0.7 ]
            Expect.isTrue (System.Double.IsNaN one.Low && System.Double.IsNaN one.High) "no interval from one value"

        testCase "the paired t test's p against an independent integration of the t density" <| fun () ->
            Expect.floatClose Accuracy.medium (pairedP [ 1.0; 2.0; 3.0; 4.0; 5.0 ]) 0.013235599563697797 "t = 4.243 on 4 df"
            Expect.floatClose Accuracy.medium (pairedP [ 0.3; -0.1; 0.2; 0.05 ]) (tTailTwoSided (0.1125 / (sqrt 0.030625 / 2.0)) 3.0) "a mixed-sign case"
            Expect.equal (pairedP [ 0.0; 0.0; 0.0 ]) 1.0 "no difference, no spread"

        testCase "Holm's adjustment, computed by hand" <| fun () ->
            // sorted 0.01, 0.03, 0.04, 0.2 → ×4, ×3, ×2, ×1 = 0.04, 0.09, 0.08 → 0.09 (running maximum), 0.2
            Expect.sequenceEqual (holm [ 0.01; 0.04; 0.03; 0.2 ] |> List.map (fun x -> System.Math.Round(x, 12))) [ 0.04; 0.09; 0.09; 0.2 ] "adjusted in the given order"
            let withNaN = holm [ nan; 0.02 ]
            Expect.isTrue (System.Double.IsNaN withNaN[0]) "NaN stays NaN"
            Expect.floatClose Accuracy.veryHigh withNaN[1] 0.02 "and is not counted"

        property "Holm never lowers a p-value and keeps the order of the raw ones" <| fun (raw: byte list) ->
            let ps = raw |> List.map (fun b -> float b / 255.0)
            let q = holm ps
            let both = List.zip ps q
            List.forall2 (fun p a -> a >= p - 1e-15 && a <= 1.0) ps q
            && both |> List.forall (fun (p1, a1) -> both |> List.forall (fun (p2, a2) -> not (p1 < p2) || a1 <= a2 + 1e-15))

        testCase "Fieller's interval of a ratio of paired means, computed by hand" <| fun () ->
            match fieller [ 10.0; 12.0; 14.0; 16.0; 18.0 ] [ 5.0; 7.0; 5.0; 7.0; 6.0 ] with
            | Some(lo, hi) ->
                Expect.floatClose Accuracy.high lo 0.3236280973563359 "lower end"
                Expect.floatClose Accuracy.high hi 0.5896185000350684 "upper end"
            | None -> failtest "bounded"
            match fieller [ 10.0; 12.0; 14.0 ] [ 5.0; 6.0; 7.0 ] with
            | Some(lo, hi) ->
                Expect.floatClose Accuracy.high lo 0.5 "exactly proportional pairs: the ratio itself"
                Expect.floatClose Accuracy.high hi 0.5 "a degenerate interval"
            | None -> failtest "bounded"
            Expect.isNone (fieller [ 3.0; 5.0 ] [ 2.0; 2.0 ]) "two noisy pairs: t(0.975; 1) = 12.7 leaves the ratio unbounded"

        testCase "the authors' cost form: levels per pair, epochs averaged per arm, then the ratio" <| fun () ->
            // levels linspace(0.2, 0.3, 5): the baseline first reaches them at epochs 4, 4, 4, 4, 3 (mean 3.8), the
            // rule at 2, 2, 2, 2, 1 (mean 1.8): a reduction of 1 − 1.8/3.8
            let a = [ 0.5; 0.4; 0.3; 0.2 ]
            let b = [ 0.3; 0.2; 0.2; 0.2 ]
            match authorsCost None [ a, b; a, b ] with
            | Some c ->
                Expect.floatClose Accuracy.veryHigh c.BaseEpochs 3.8 "baseline epochs"
                Expect.floatClose Accuracy.veryHigh c.RuleEpochs 1.8 "rule epochs"
                Expect.floatClose Accuracy.veryHigh c.Reduction (1.0 - 1.8 / 3.8) "reduction"
                Expect.isFalse c.AtCeiling "the rule needed more than its first epoch"
            | None -> failtest "measured"
            // a cap keeps the levels at or below it: linspace(0.2, 0.25, 5)
            match authorsCost (Some 0.25) [ a, b ] with
            | Some c -> Expect.floatClose Accuracy.veryHigh c.BaseEpochs 4.0 "every capped level first reached at epoch 4"
            | None -> failtest "measured"

        testCase "a cost at the metric's ceiling is flagged and judged not measurable" <| fun () ->
            let a = [ 0.5; 0.4; 0.3; 0.2 ]
            let b = [ 0.2; 0.2; 0.2; 0.2 ]
            let curves = [ for i in 0 .. 4 -> a |> List.map (fun x -> x + 0.001 * float i), b ]
            match authorsCost None curves with
            | Some c ->
                Expect.isTrue c.AtCeiling "the rule reached every level at epoch 1 in every pair"
                let kept = estimate 0.0 -0.001 0.001 5
                Expect.isTrue (match Verdicts.cost 0.5 kept c with Verdicts.NotMeasurable _ -> true | _ -> false) "not measurable"
            | None -> failtest "measured"

        testCase "the per-pair form and the mean-curve form differ where pairs differ" <| fun () ->
            // pair 1: the rule is faster; pair 2: slower. Mean curves blur both into one comparison.
            let pairs = [ [ 0.5; 0.3; 0.2; 0.2 ], [ 0.2; 0.2; 0.2; 0.2 ]; [ 0.3; 0.2; 0.2; 0.2 ], [ 0.5; 0.4; 0.3; 0.2 ] ]
            let perPair = (authorsCost None pairs).Value.Reduction
            let meanCurves = meanCurveCost None pairs
            Expect.notEqual (System.Math.Round(perPair, 9)) (System.Math.Round(meanCurves, 9)) "two forms, two numbers"

        testCase "the gain rule on the t interval's ends" <| fun () ->
            Expect.equal (Verdicts.gain 0.02 (estimate 0.015 0.011 0.019 5)) Verdicts.Reproduced "lower end ≥ half the paper's gain"
            Expect.equal (Verdicts.gain 0.02 (estimate 0.005 0.001 0.009 5)) Verdicts.NotReproduced "upper end below half: a real gain, too small"
            Expect.isTrue (match Verdicts.gain 0.02 (estimate 0.01 0.005 0.015 5) with Verdicts.Inconclusive _ -> true | _ -> false) "an interval across half the gain"
            Expect.isTrue (match Verdicts.gain 0.02 (estimate 0.03 0.025 0.035 4) with Verdicts.Inconclusive why -> why.Contains "first reading" | _ -> false) "4 pairs: a first reading"
            Expect.equal (Verdicts.noLoss (estimate 0.0 -0.004 0.004 5)) Verdicts.Reproduced "kept"
            Expect.equal (Verdicts.noLoss (estimate -0.02 -0.03 -0.006 5)) Verdicts.NotReproduced "lost"
            let f = Verdicts.fractionOf 0.02 (estimate 0.01 0.005 0.015 5)
            Expect.floatClose Accuracy.veryHigh f.Mean 0.5 "half the paper's effect"
            Expect.floatClose Accuracy.veryHigh f.Low 0.25 "its interval"

        testCase "the cost rule: kept accuracy and a fall of at least half the paper's over the whole interval" <| fun () ->
            let cost r lo hi : CostEstimate = { Reduction = r; Low = lo; High = hi; BaseEpochs = 4.0; RuleEpochs = 2.0; AtCeiling = false; Pairs = 5 }
            let kept = estimate 0.0 -0.004 0.004 5
            Expect.equal (Verdicts.cost 0.5 kept (cost 0.4 0.3 0.5)) Verdicts.Reproduced "lower end 0.3 ≥ 0.25"
            Expect.equal (Verdicts.cost 0.5 kept (cost 0.1 0.0 0.2)) Verdicts.NotReproduced "upper end below 0.25"
            Expect.equal (Verdicts.cost 0.5 (estimate -0.02 -0.03 -0.006 5) (cost 0.6 0.5 0.7)) Verdicts.NotReproduced "accuracy lost"
            Expect.isTrue (match Verdicts.cost 0.5 kept (cost 0.3 -0.1 0.6) with Verdicts.Inconclusive _ -> true | _ -> false) "undecided"
            Expect.isTrue (match Verdicts.cost 0.5 kept (cost 0.3 nan nan) with Verdicts.Inconclusive why -> why.Contains "unbounded" | _ -> false) "unbounded"

        testCase "a mean test-error curve's largest drop of accuracy and its last quarter" <| fun () ->
            Expect.floatClose Accuracy.veryHigh (Verdicts.largestDrop [ 0.2; 0.15; 0.25; 0.1 ]) 0.1 "0.15 → 0.25"
            Expect.equal (Verdicts.largestDrop [ 0.3; 0.2; 0.1 ]) 0.0 "never worse"
            Expect.floatClose Accuracy.veryHigh (Verdicts.lastQuarterFall [ 0.3; 0.2; 0.15; 0.12; 0.11; 0.10; 0.09; 0.085 ]) 0.015 "min before the last quarter − min within it"
            Expect.isFalse (Verdicts.plateaued [ 0.3; 0.2; 0.15; 0.12; 0.11; 0.10; 0.09; 0.085 ]) "still improving"
    ]
