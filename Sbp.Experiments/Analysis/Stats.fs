/// Statistics over run records: mean ± sd over seeds, the paper's cost metric and accuracy and its cap rules
/// (docs/SBP-SPEC.md §8), counted-operation cost to a target accuracy (the intervals, tests and the authors' cost form: module Inference).
module Sbp.Experiments.Stats

open System
open Sbp.Experiments.RunRecord

/// Mean and sample standard deviation (n − 1; 0 for a single value).
let meanSd (xs: float list) =
    match xs with
    | [] -> nan, nan
    | [ x ] -> x, 0.0
    | _ ->
        let m = List.average xs
        m, sqrt (List.sumBy (fun x -> (x - m) ** 2.0) xs / float (xs.Length - 1))

/// `count` evenly spaced values from a to b inclusive.
let linspace (a: float) (b: float) (count: int) =
    if count = 1 then [ a ] else [ for i in 0 .. count - 1 -> a + (b - a) * float i / float (count - 1) ]

/// The first epoch (1-based) whose error is at most `level`, or None.
let firstEpochAtOrBelow (errors: float list) (level: float) =
    errors |> List.tryFindIndex (fun e -> e <= level + 1e-12) |> Option.map ((+) 1)

/// The paper's cost metric for a pair of test-error curves (a = baseline, b = SBP): the levels are
/// linspace(max(min a, min b), min(max a, max b, cap), 5); for each level the first epoch each curve reaches it; the
/// cost of a run is the mean of those epochs (× its synapse count, equal for the pair). Returns the two mean
/// epochs and the reduction 1 − b/a.
let paperCost (cap: float option) (a: float list) (b: float list) =
    if a.IsEmpty || b.IsEmpty then invalidArg "a" "the cost metric needs two non-empty error curves"
    let lo = max (List.min a) (List.min b)
    let hi = List.min [ List.max a; List.max b; defaultArg cap infinity ]
    let levels = if hi < lo then [ lo ] else linspace lo hi 5
    let meanEpochs (curve: float list) =
        levels |> List.averageBy (fun l -> firstEpochAtOrBelow curve l |> Option.defaultValue curve.Length |> float)
    let ea, eb = meanEpochs a, meanEpochs b
    ea, eb, 1.0 - eb / ea

/// The mean of several curves, epoch by epoch, over the epochs every curve has.
let meanCurve (curves: float list list) =
    match curves with
    | [] -> []
    | _ ->
        let n = curves |> List.map List.length |> List.min
        [ for e in 0 .. n - 1 -> curves |> List.averageBy (fun c -> c[e]) ]

/// Population standard deviation (divides by n, as numpy's std does).
let populationSd (xs: float list) =
    match xs with
    | [] -> nan
    | _ ->
        let m = List.average xs
        sqrt (List.sumBy (fun x -> (x - m) ** 2.0) xs / float xs.Length)

/// The paper's accuracy (docs/SBP-SPEC.md §8): 1 − the minimum of the mean test-error curve over runs, ± the population sd
/// of the runs' errors at the epoch where that mean is lowest. Returns (accuracy, sd, that epoch, 1-based).
let paperAccuracy (errorCurves: float list list) =
    match meanCurve errorCurves with
    | [] -> nan, nan, 0
    | mean ->
        let best = mean |> List.indexed |> List.minBy snd |> fst
        1.0 - mean[best], populationSd [ for c in errorCurves -> c[best] ], best + 1

/// The paper's cost reduction (docs/SBP-SPEC.md §8): the metric of `paperCost` on the mean error curves of the baseline
/// runs and of the rule's runs, so that the reduction is a ratio of mean epochs-to-levels, not a mean of per-pair
/// reductions. Returns the two mean epochs and the reduction.
let paperCostOfMeans (cap: float option) (baselines: float list list) (rules: float list list) =
    paperCost cap (meanCurve baselines) (meanCurve rules)

/// Counted synaptic operations until the first epoch whose test accuracy reaches `target` (None if never).
let opsToTarget (target: float) (epochs: Epoch list) =
    let rec go acc es =
        match es with
        | [] -> None
        | (e: Epoch) :: rest ->
            let acc = acc + e.SynapticOps
            if e.TestAccuracy >= target - 1e-12 then Some acc else go acc rest
    go 0L epochs
