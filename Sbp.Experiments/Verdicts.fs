/// The report's criterion for a claim of the paper, fixed before any number is read, and the verdicts it gives on
/// paired runs: "reproduced", "not reproduced" or "inconclusive".
///
///   Δ      = best test metric with the rule − without it, per replicate pair; mean and 95% bootstrap interval
///   cost   = the paper's cost reduction (SBP-SPEC §8) on the mean test-error curves of the paired runs, with a 95%
///            bootstrap interval over the pairs (resampled pairs, their mean curves recomputed)
///   cost claim (paper: reduction c, accuracy not lost):
///            reproduced      when Δ's interval lies above −0.5 points, cost ≥ c / 2 and cost's interval above 0
///            not reproduced  when Δ's interval lies below −0.5 points or cost's interval below c / 2
///   gain claim (paper: the metric rises by g points):
///            reproduced      when Δ's interval lies above 0 and reaches g / 2
///            not reproduced  when Δ's interval lies below g / 2
///   no-loss claim (paper: the rule keeps the baseline's metric):
///            reproduced      when Δ's interval lies above −0.5 points
///            not reproduced  when Δ's interval lies below −0.5 points
///   anything else, or fewer than 5 pairs: inconclusive.
/// The epochs run are enough when the baseline has stopped improving: its mean test error fell by less than 0.1
/// points over the last quarter of the epochs.
module Sbp.Experiments.Verdicts

open Sbp.Experiments.RunRecord

/// The loss of accuracy (a fraction: 0.5 points) that still counts as "accuracy kept".
let margin = 0.005
/// The fewest replicate pairs a verdict other than "inconclusive" rests on.
let minimumPairs = 5
/// The largest fall of the baseline's mean test error over its last quarter of epochs that counts as "stopped
/// improving" (a fraction: 0.1 points).
let plateauTolerance = 0.001

type Verdict =
    | Reproduced
    | NotReproduced
    | Inconclusive of why: string

let text (v: Verdict) =
    match v with
    | Reproduced -> "reproduced"
    | NotReproduced -> "not reproduced"
    | Inconclusive why -> $"inconclusive ({why})"

/// A rule measured against its baseline over paired replicates.
type Measured =
    { Pairs: int
      /// Δ best test metric: mean, 95% interval (fractions).
      Delta: float * float * float
      /// The paper's cost reduction on the mean curves of the paired runs, with its 95% interval (fractions).
      Cost: float * float * float
      /// The mean epochs the baseline's and the rule's mean curves take to reach the cost metric's error levels
      /// (the reduction is 1 − rule / baseline; a rule at 1 reached every level at its first epoch).
      LevelEpochs: float * float
      /// The fall of the baseline's mean test error over its last quarter of epochs (a fraction; > 0: still falling).
      LastQuarterFall: float
      Epochs: int }

let private testErrors (r: Record) = r.Epochs |> List.map (fun e -> e.TestError)
let private best (r: Record) = r.Epochs |> List.map (fun e -> e.TestAccuracy) |> List.max

/// How much the lowest value of a curve fell in its last quarter (at least one point): the minimum before it minus
/// the minimum within it; NaN for a curve too short to have both.
let lastQuarterFall (curve: float list) =
    let n = curve.Length
    let q = max 1 (n / 4)
    if n <= q then nan else List.min curve[.. n - q - 1] - List.min curve[n - q ..]

/// Measures paired runs (baseline run, rule run) under the paper's cost cap.
let measure (cap: float option) (runs: (Record * Record) list) =
    // in order of Δ (then seed), so that the intervals do not depend on the order the pairs come in, and the one of
    // Δ equals Stats.bootstrapMean's on the same differences
    let runs = runs |> List.sortBy (fun (b, r) -> best r - best b, b.Seed) |> Array.ofList
    let n = runs.Length
    let d = runs |> Array.map (fun (b, r) -> best r - best b)
    let costsOf (idx: int[]) =
        Stats.paperCostOfMeans cap [ for i in idx -> testErrors (fst runs[i]) ] [ for i in idx -> testErrors (snd runs[i]) ]
    let costOf idx = let _, _, reduction = costsOf idx in reduction
    let dMean = if n = 0 then nan else Array.average d
    let dLo, dHi = Stats.bootstrap n (fun idx -> idx |> Array.averageBy (fun i -> d[i]))
    let cLo, cHi = Stats.bootstrap n costOf
    let eBase, eRule, reduction = if n = 0 then nan, nan, nan else costsOf (Array.init n id)
    { Pairs = n
      Delta = dMean, dLo, dHi
      Cost = reduction, cLo, cHi
      LevelEpochs = eBase, eRule
      LastQuarterFall = lastQuarterFall (Stats.meanCurve [ for b, _ in runs -> testErrors b ])
      Epochs = if n = 0 then 0 else runs |> Array.map (fun (b, _) -> b.Epochs.Length) |> Array.min }

/// True when the baseline had stopped improving by its last epoch.
let plateaued (m: Measured) = m.LastQuarterFall < plateauTolerance

let private tooFew (n: int) = Inconclusive $"{n} pair(s) of seeds, fewer than {minimumPairs}"
let private undecided = Inconclusive "the intervals decide neither way"

/// The cost claim: the paper's reduction `paperReduction` (a fraction) with the accuracy kept.
let cost (paperReduction: float) (m: Measured) =
    let _, lo, hi = m.Delta
    let c, cLo, cHi = m.Cost
    if m.Pairs < minimumPairs then tooFew m.Pairs
    elif lo > -margin && c >= paperReduction / 2.0 && cLo > 0.0 then Reproduced
    elif hi < -margin || cHi < paperReduction / 2.0 then NotReproduced
    else undecided

/// The gain claim: the metric rises by `paperGain` (a fraction) over paired differences with interval (lo, hi).
let gain (paperGain: float) (n: int) (lo: float, hi: float) =
    if n < minimumPairs then tooFew n
    elif lo > 0.0 && hi >= paperGain / 2.0 then Reproduced
    elif hi < paperGain / 2.0 then NotReproduced
    else undecided

/// A verdict's words, and for a gain claim that is not reproduced although the interval lies above zero, that the
/// gain is real but smaller than half the paper's.
let describeGain (v: Verdict) (lo: float) =
    match v with
    | NotReproduced when lo > 0.0 -> "not reproduced: a real gain, under half the paper's"
    | _ -> text v

/// The no-loss claim: the metric is kept (within the margin) over paired differences with interval (lo, hi).
let noLoss (n: int) (lo: float, hi: float) =
    if n < minimumPairs then tooFew n
    elif lo > -margin then Reproduced
    elif hi < -margin then NotReproduced
    else undecided
