/// Statistics over run records: mean ± sd over seeds, the paper's cost metric (SBP-SPEC §8), counted-operation
/// cost to a target accuracy, paired differences with a bootstrap interval.
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

/// Counted synaptic operations until the first epoch whose test accuracy reaches `target` (None if never).
let opsToTarget (target: float) (epochs: Epoch list) =
    let rec go acc es =
        match es with
        | [] -> None
        | (e: Epoch) :: rest ->
            let acc = acc + e.SynapticOps
            if e.TestAccuracy >= target - 1e-12 then Some acc else go acc rest
    go 0L epochs

/// A 95% percentile bootstrap interval of the mean of `xs` (seeded: the same data give the same interval).
let bootstrapMean (xs: float list) =
    match xs with
    | [] -> nan, nan
    | [ x ] -> x, x
    | _ ->
        let arr = Array.ofList xs
        let rng = Sbp.Core.Numerics.Rng(0x5eedUL)
        let means =
            Array.init 2000 (fun _ -> Array.init arr.Length (fun _ -> arr[rng.NextInt arr.Length]) |> Array.average)
            |> Array.sort
        means[int (0.025 * 2000.0)], means[int (0.975 * 2000.0) - 1]
