/// The inference every verdict rests on (docs/SBP-SPEC.md §12), fixed before any number was read:
///
///   Δ_i       = the rule's best test metric − the compared arm's, for replicate pair i (two runs sharing a seed)
///   interval  = mean(Δ) ± t(0.975; n − 1) · sd(Δ) / √n            (Student's t; a percentile bootstrap over 5 pairs
///                                                                   is about a third narrower and is not used)
///   p         = the two-sided paired t test of mean(Δ) = 0; Holm's step-down adjustment over the claims judged at once
///   cost      = the authors' form (their figure notebooks): for pair i the error levels
///               ℓ = linspace(max(min a_i, min b_i), min(max a_i, max b_i, cap), 5) of its own two test-error curves,
///               e_i = the mean over ℓ of the first epoch at or below ℓ; reduction = 1 − mean(e_rule) / mean(e_base),
///               with Fieller's interval for that ratio of paired means (t, n − 1 degrees of freedom)
///   ceiling   = the rule reached every level at its first evaluation in every pair: the reduction is then as large as
///               whole epochs let the metric show (1 − 1 / mean(e_base)), a bound and not a measurement
module Sbp.Experiments.Inference

open MathNet.Numerics.Distributions

/// A mean with its two-sided 95% interval over `N` values (NaN ends for fewer than 2 values: no interval).
type Estimate = { Mean: float; Low: float; High: float; N: int }

/// The t distribution's quantile at probability `p` with `df` degrees of freedom.
let tQuantile (df: int) (p: float) = StudentT.InvCDF(0.0, 1.0, float df, p)

/// Mean and 95% t interval of `xs` (mean ± t(0.975; n − 1)·sd/√n).
let tInterval (xs: float list) =
    match xs with
    | [] -> { Mean = nan; Low = nan; High = nan; N = 0 }
    | [ x ] -> { Mean = x; Low = nan; High = nan; N = 1 }
    | _ ->
        let m, sd = Stats.meanSd xs
        let h = tQuantile (xs.Length - 1) 0.975 * sd / sqrt (float xs.Length)
        { Mean = m; Low = m - h; High = m + h; N = xs.Length }

/// The two-sided p of the paired t test of mean(xs) = 0; NaN for fewer than 2 values; with no spread, 1 for a zero
/// mean and 0 otherwise.
let pairedP (xs: float list) =
    if xs.Length < 2 then nan
    else
        let m, sd = Stats.meanSd xs
        if sd = 0.0 then (if m = 0.0 then 1.0 else 0.0)
        else
            let t = abs m / (sd / sqrt (float xs.Length))
            2.0 * (1.0 - StudentT.CDF(0.0, 1.0, float (xs.Length - 1), t))

/// Holm's step-down adjustment of p-values judged together, in the order given (NaN stays NaN and is not counted):
/// the k-th smallest of m becomes max over j ≤ k of min(1, (m − j + 1)·p_(j)).
let holm (ps: float list) =
    let indexed = ps |> List.indexed |> List.filter (fun (_, p) -> not (System.Double.IsNaN p)) |> List.sortBy snd
    let m = indexed.Length
    let adjusted =
        indexed
        |> List.mapi (fun j (i, p) -> i, min 1.0 (float (m - j) * p))
        |> List.scan (fun (_, running) (i, q) -> i, max running q) (-1, 0.0)
        |> List.tail
        |> Map.ofList
    ps |> List.mapi (fun i p -> match adjusted.TryFind i with Some q -> q | None -> p)

/// Fieller's 95% interval of the ratio of paired means mean(b) / mean(a) (t with n − 1 degrees of freedom): the ρ
/// with (b̄ − ρā)² ≤ t²/n · (s_bb − 2ρ s_ab + ρ² s_aa). None when it is unbounded (ā not distinguishable from 0) or
/// there are fewer than 2 pairs.
let fieller (a: float list) (b: float list) =
    let n = a.Length
    if n < 2 || b.Length <> n then None
    else
        let ma, mb = List.average a, List.average b
        let cov (x: float list) mx (y: float list) my = List.fold2 (fun s xi yi -> s + (xi - mx) * (yi - my)) 0.0 x y / float (n - 1)
        let saa, sbb, sab = cov a ma a ma, cov b mb b mb, cov a ma b mb
        let q = (tQuantile (n - 1) 0.975) ** 2.0 / float n
        let qa = ma * ma - q * saa
        let qb = ma * mb - q * sab
        let qc = mb * mb - q * sbb
        // exactly proportional pairs give a zero discriminant, which rounding can leave a hair below zero
        let disc = let d = qb * qb - qa * qc in if d < 0.0 && -d <= 1e-12 * qb * qb then 0.0 else d
        if qa <= 0.0 || disc < 0.0 then None
        else Some((qb - sqrt disc) / qa, (qb + sqrt disc) / qa)

/// The authors' cost reduction over paired runs (see the header), with its interval.
type CostEstimate =
    { /// 1 − mean(e_rule) / mean(e_base) (a fraction).
      Reduction: float
      /// Its 95% interval (Fieller); NaN ends when unbounded or from fewer than 2 pairs.
      Low: float
      High: float
      /// The mean epochs-to-levels of the compared arm and of the rule.
      BaseEpochs: float
      RuleEpochs: float
      /// The rule reached every level at its first evaluation in every pair: the reduction is a bound, not a measurement.
      AtCeiling: bool
      Pairs: int }

/// The authors' per-pair cost over (compared arm's, rule's) test-error curves, levels capped at `cap`.
let authorsCost (cap: float option) (curves: (float list * float list) list) =
    let per = curves |> List.map (fun (a, b) -> let ea, eb, _ = Stats.paperCost cap a b in ea, eb)
    let ea, eb = List.map fst per, List.map snd per
    if per.IsEmpty then None
    else
        let ma, mb = List.average ea, List.average eb
        let lo, hi = match fieller ea eb with Some(l, h) -> 1.0 - h, 1.0 - l | None -> nan, nan
        Some
            { Reduction = 1.0 - mb / ma
              Low = lo
              High = hi
              BaseEpochs = ma
              RuleEpochs = mb
              AtCeiling = eb |> List.forall (fun e -> e <= 1.0)
              Pairs = per.Length }

/// The cost reduction in the form of the earlier report (the paper's metric on the mean curves of all pairs).
let meanCurveCost (cap: float option) (curves: (float list * float list) list) =
    if curves.IsEmpty then nan
    else let _, _, r = Stats.paperCostOfMeans cap (List.map fst curves) (List.map snd curves) in r
