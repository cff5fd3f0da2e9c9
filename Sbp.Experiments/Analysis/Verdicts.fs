/// The report's rules for a claim of the paper, fixed before any number is read (docs/SBP-SPEC.md §12), and the
/// verdicts they give on paired runs: "reproduced", "not reproduced", "inconclusive", or "not measurable".
///
///   Δ, its 95% t interval (lo, hi) and the cost's Fieller interval: module Inference
///   gain claim (the paper: the metric rises by g points)
///            reproduced      when lo ≥ g / 2         (the interval's lower end reaches half the paper's gain)
///            not reproduced  when hi < g / 2         (even the upper end stays below half)
///   no-loss claim (the paper: the rule keeps the compared arm's metric)
///            reproduced      when lo > −0.5 points
///            not reproduced  when hi < −0.5 points
///   cost claim (the paper: a cost reduction c with no loss of accuracy)
///            reproduced      when Δ's lo > −0.5 points and the reduction's lower end ≥ c / 2
///            not reproduced  when Δ's hi < −0.5 points or the reduction's upper end < c / 2
///            not measurable  when the rule reached every error level at its first evaluation in every pair
///   anything else, or fewer than 5 pairs: inconclusive (fewer than 5 pairs is a first reading, never a result).
///   Every effect is also given as a fraction of the paper's, with its interval.
/// The epochs run are enough when the compared arm has stopped improving: its mean test error fell by less than 0.1
/// points over the last quarter of the epochs.
module Sbp.Experiments.Verdicts

open Sbp.Experiments.Inference

/// The loss of accuracy (a fraction: 0.5 points) that still counts as "accuracy kept".
let margin = 0.005
/// The fewest replicate pairs a verdict other than "inconclusive" rests on.
let minimumPairs = 5
/// The largest fall of the compared arm's mean test error over its last quarter of epochs that counts as "stopped
/// improving" (a fraction: 0.1 points).
let plateauTolerance = 0.001

type Verdict =
    | Reproduced
    | NotReproduced
    | Inconclusive of why: string
    /// The metric cannot resolve the effect (a cost at its ceiling).
    | NotMeasurable of why: string

/// A verdict in words, with its reason.
let text (v: Verdict) =
    match v with
    | Reproduced -> "reproduced"
    | NotReproduced -> "not reproduced"
    | Inconclusive why -> $"inconclusive ({why})"
    | NotMeasurable why -> $"not measurable ({why})"

/// A verdict in one word or two, for a table cell.
let short (v: Verdict) =
    match v with
    | Reproduced -> "reproduced"
    | NotReproduced -> "not reproduced"
    | Inconclusive _ -> "inconclusive"
    | NotMeasurable _ -> "not measurable"

/// A verdict on a claim of this project's own (not the paper's), in the verdict table: holds or does not hold.
let shortOwn (v: Verdict) =
    match v with
    | Reproduced -> "holds"
    | NotReproduced -> "does not hold"
    | v -> short v

let private firstReading (n: int) = Inconclusive $"a first reading: {n} pair(s), fewer than {minimumPairs}"

/// The gain claim: the metric rises by `paperGain` (a fraction) — judged on Δ's t interval.
let gain (paperGain: float) (d: Estimate) =
    if d.N < minimumPairs then firstReading d.N
    elif d.Low >= paperGain / 2.0 then Reproduced
    elif d.High < paperGain / 2.0 then NotReproduced
    else Inconclusive "the interval spans half the paper's gain"

/// The no-loss claim: the metric is kept within the margin — judged on Δ's t interval.
let noLoss (d: Estimate) =
    if d.N < minimumPairs then firstReading d.N
    elif d.Low > -margin then Reproduced
    elif d.High < -margin then NotReproduced
    else Inconclusive "the interval spans the −0.5-point margin"

/// The cost claim: the paper's reduction `paperReduction` (a fraction) with the accuracy kept.
let cost (paperReduction: float) (d: Estimate) (c: CostEstimate) =
    if c.Pairs < minimumPairs then firstReading c.Pairs
    elif c.AtCeiling then NotMeasurable "the rule reached every error level at its first evaluation in every pair"
    elif d.High < -margin || c.High < paperReduction / 2.0 then NotReproduced
    elif System.Double.IsNaN c.Low then Inconclusive "the reduction's interval is unbounded"
    elif d.Low > -margin && c.Low >= paperReduction / 2.0 then Reproduced
    else Inconclusive "the intervals decide neither way"

/// An effect as a fraction of the paper's: Δ / g with its interval.
let fractionOf (paper: float) (d: Estimate) =
    { d with Mean = d.Mean / paper; Low = d.Low / paper; High = d.High / paper }

/// How much the lowest value of a curve fell in its last quarter (at least one point): the minimum before it minus
/// the minimum within it; NaN for a curve too short to have both.
let lastQuarterFall (curve: float list) =
    let n = curve.Length
    let q = max 1 (n / 4)
    if n <= q then nan else List.min curve[.. n - q - 1] - List.min curve[n - q ..]

/// True when a mean test-error curve had stopped improving by its last epoch.
let plateaued (meanErrors: float list) = lastQuarterFall meanErrors < plateauTolerance

/// The largest rise of a mean test-error curve from one epoch to the next (a drop of accuracy; 0 for none).
let largestDrop (meanErrors: float list) =
    meanErrors |> List.pairwise |> List.map (fun (a, b) -> b - a) |> List.fold max 0.0
