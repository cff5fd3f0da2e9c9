/// Statistics over run records: mean ± sd over seeds, the paper's cost metric and accuracy and its cap rules
/// (docs/SBP-SPEC.md §8), counted-operation cost to a target accuracy, paired differences with a bootstrap interval.
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

/// A 95% percentile bootstrap interval of a statistic of n paired units: `statistic` receives the indices of one
/// resample (n draws with replacement) and returns the statistic on them (seeded: the same data give the same
/// interval). 2,000 resamples.
let bootstrap (n: int) (statistic: int[] -> float) =
    if n = 0 then nan, nan
    elif n = 1 then let x = statistic [| 0 |] in x, x
    else
        let rng = Sbp.Core.Numerics.Rng(0x5eedUL)
        let values = Array.init 2000 (fun _ -> statistic (Array.init n (fun _ -> rng.NextInt n))) |> Array.sort
        values[int (0.025 * 2000.0)], values[int (0.975 * 2000.0) - 1]

/// A 95% percentile bootstrap interval of the mean of `xs` (seeded, and the values sorted first: the same values
/// give the same interval in any order).
let bootstrapMean (xs: float list) =
    let arr = Array.ofList xs |> Array.sort
    bootstrap arr.Length (fun idx -> idx |> Array.averageBy (fun i -> arr[i]))

/// Two-sided Wilcoxon signed-rank test of paired differences: zeros dropped, ties given mid-ranks; the p-value is
/// exact (all 2ⁿ sign patterns) for n ≤ 20 and from the normal approximation beyond. Returns (W⁺, p); p = 1 when
/// no non-zero difference is left.
let wilcoxon (differences: float list) =
    let d = differences |> List.filter (fun x -> abs x > 1e-12) |> Array.ofList
    let n = d.Length
    if n = 0 then 0.0, 1.0
    else
        let order = d |> Array.mapi (fun i x -> abs x, i) |> Array.sortBy fst
        let ranks = Array.zeroCreate n
        let mutable i = 0
        while i < n do
            let mutable j = i
            while j + 1 < n && abs (fst order[j + 1] - fst order[i]) < 1e-12 do j <- j + 1
            let mid = float (i + j + 2) / 2.0
            for k in i .. j do ranks[snd order[k]] <- mid
            i <- j + 1
        let wPlus = Array.fold2 (fun acc x r -> if x > 0.0 then acc + r else acc) 0.0 d ranks
        let total = float n * float (n + 1) / 2.0
        let observed = min wPlus (total - wPlus)
        if n <= 20 then
            // count sign patterns whose smaller rank sum is at most the observed one
            let mutable extreme = 0
            for mask in 0 .. (1 <<< n) - 1 do
                let mutable w = 0.0
                for k in 0 .. n - 1 do
                    if mask &&& (1 <<< k) <> 0 then w <- w + ranks[k]
                if min w (total - w) <= observed + 1e-9 then extreme <- extreme + 1
            wPlus, min 1.0 (float extreme / float (1 <<< n))
        else
            let mean = total / 2.0
            let sd = sqrt (float n * float (n + 1) * float (2 * n + 1) / 24.0)
            let z = (abs (wPlus - mean) - 0.5) / sd
            // two-sided normal tail, Abramowitz–Stegun 7.1.26 for erfc
            let t = 1.0 / (1.0 + 0.3275911 * z / sqrt 2.0)
            let erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * exp (-(z * z) / 2.0)
            wPlus, min 1.0 erfc
