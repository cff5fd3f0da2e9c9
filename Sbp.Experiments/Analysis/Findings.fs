/// From typed claims to findings: each claim's declared grids are read, the rule's runs are paired with the compared
/// arm's runs of the same seed, and the numbers a verdict rests on are computed (module Inference) and judged (module
/// Verdicts). Nothing here formats text; the renderers (Report, the grid pages) do.
module Sbp.Experiments.Findings

open System.IO
open Sbp.Experiments.DataSets
open Sbp.Experiments.Inference
open Sbp.Experiments.PaperClaims
open Sbp.Experiments.RunRecord
open Sbp.Experiments.Tables

/// The groups of a committed grid (None when the grid has no records here).
type GridData = { Name: string; Groups: Group list }

/// Reads the declared grids under `root` (folders that are missing or hold no records are left out).
let readGrids (root: string) =
    [ for g in PaperClaims.grids do
          if Directory.Exists(Path.Combine(root, g.Name)) then
              match load root g.Name with
              | [] -> ()
              | loaded -> yield { Name = g.Name; Groups = groups (List.map snd loaded) } ]

/// The per-epoch values of a metric in a run, or None when the record does not carry it.
let metricCurve (metric: Metric) (r: Record) =
    let extra (name: string) =
        let values = r.Epochs |> List.map (fun e -> e.Extra |> List.tryFind (fst >> (=) name) |> Option.map snd)
        if values |> List.forall Option.isSome then Some(List.choose id values) else None
    match metric with
    | TestMetric -> Some [ for e in r.Epochs -> e.TestAccuracy ]
    | FirstOfBatchCosine -> extra "testCosineFirstOfBatch"
    | StandardTest -> extra "standardTestAccuracy"

/// The record field a metric is read from, for messages.
let metricField (metric: Metric) =
    match metric with
    | TestMetric -> "testAccuracy"
    | FirstOfBatchCosine -> "testCosineFirstOfBatch"
    | StandardTest -> "standardTestAccuracy"

/// One replicate pair: the compared arm's run and the rule's run, which share a seed.
type RunPair = { Against: Record; Rule: Record }

/// How an epoch visited the training set in a run ("file order", "shuffled every epoch").
let orderOf (r: Record) =
    match r.Config |> List.tryFind (fst >> (=) "dataOrder") with
    | Some(_, Text "file") -> "file order"
    | _ -> "shuffled every epoch"

/// A claim measured in one grid.
type Comparison =
    { Grid: string
      /// Epochs of the runs (the fewest of any run in the pairs).
      Epochs: int
      /// The data order of the runs.
      Order: string
      Runs: RunPair list
      /// Best metric per pair, compared arm and rule.
      AgainstBest: float list
      RuleBest: float list
      /// Δ = rule − compared arm, per pair: mean, 95% t interval.
      Delta: Estimate
      /// Two-sided paired t test of Δ = 0.
      P: float
      /// Δ as a fraction of the paper's gain (gain claims).
      Fraction: Estimate option
      /// The authors' cost form (claims with a cost).
      Cost: CostEstimate option
      /// The cost on the mean curves of all pairs (the earlier report's form), for comparison.
      MeanCurveCost: float
      /// The paper's accuracy form (1 − min of the mean error curve, ± population sd), compared arm and rule.
      PaperFormAgainst: float * float
      PaperFormRule: float * float
      /// The compared arm's mean test-error curve: how much its lowest value fell over the last quarter of epochs, and
      /// its largest rise from one epoch to the next (a drop of accuracy).
      AgainstFall: float
      AgainstLargestDrop: float
      /// Where the test set holds out training samples: Δ on the standard test split beside it.
      StandardDelta: Estimate option
      /// Runs of the compared arm that collapsed (best metric more than `collapseMargin` below the arm's median) while
      /// the rule's run of that pair did not: their best, the arm's median, and Δ over the other pairs — a difference
      /// that rests on them is said so.
      Collapsed: float list
      AgainstMedian: float
      DeltaWithoutCollapsed: Estimate option }

/// How far below its arm's median a run's best metric must lie to count as collapsed (5 points).
let collapseMargin = 0.05

let private median (xs: float list) =
    let s = List.sort xs
    let n = s.Length
    if n = 0 then nan elif n % 2 = 1 then s[n / 2] else (s[n / 2 - 1] + s[n / 2]) / 2.0

let private best (xs: float list) = List.max xs

/// The pairs of runs of two groups that share a seed (completed runs of equal length), in seed order.
let private pairUp (against: Group) (rule: Group) =
    let bySeed = completed against |> List.map (fun r -> r.Seed, r) |> Map.ofList
    [ for r in completed rule |> List.sortBy (fun r -> r.Seed) do
          match bySeed.TryFind r.Seed with
          | Some a when a.Epochs.Length = r.Epochs.Length -> yield { Against = a; Rule = r }
          | _ -> () ]

/// The claim's rule against its compared arm in one grid: the two groups with the most pairs (then the longest
/// trained); an error names why there is none.
let compareIn (claim: Claim) (grid: GridData) =
    let on (q: Query) = select (fun e -> e.Model.Dataset = claim.Task && q.Rule e) grid.Groups
    match on claim.Rule, on claim.Against with
    | [], _ -> Error $"no finished runs of {claim.Rule.Name} on {nameOf claim.Task} yet"
    | _, [] -> Error $"no finished runs of {claim.Against.Name} on {nameOf claim.Task} yet"
    | rules, againsts ->
        // a pair is two runs of one protocol: groups that visit the training set in different orders are not paired
        let sameOrder (ps: RunPair list) = orderOf ps.Head.Against = orderOf ps.Head.Rule
        let candidates = [ for r in rules do for a in againsts -> pairUp a r ] |> List.filter (not << List.isEmpty)
        match candidates |> List.filter sameOrder with
        | [] when not candidates.IsEmpty -> Error $"no completed runs of {claim.Rule.Name} and {claim.Against.Name} share a data order"
        | [] -> Error $"no completed runs of {claim.Rule.Name} and {claim.Against.Name} share a seed"
        | candidates ->
            let runs = candidates |> List.maxBy (fun ps -> ps.Length, ps.Head.Rule.Epochs.Length)
            let curves = runs |> List.map (fun p -> metricCurve claim.Metric p.Against, metricCurve claim.Metric p.Rule)
            if curves |> List.exists (fun (a, b) -> a.IsNone || b.IsNone) then
                Error $"its records do not carry {metricField claim.Metric} (written before it was recorded: rerun the grid)"
            else
                let curves = curves |> List.map (fun (a, b) -> a.Value, b.Value)
                let errors = curves |> List.map (fun (a, b) -> List.map (fun x -> 1.0 - x) a, List.map (fun x -> 1.0 - x) b)
                let aBest, rBest = curves |> List.map (fst >> best), curves |> List.map (snd >> best)
                let d = List.map2 (-) rBest aBest
                let delta = tInterval d
                // a pair whose compared run collapsed while the rule's did not (when both collapse, Δ does not rest on it)
                let med, ruleMed = median aBest, median rBest
                let isCollapsed (a: float, r: float) = a < med - collapseMargin && r >= ruleMed - collapseMargin
                let both = List.zip aBest rBest
                let collapsed = both |> List.filter isCollapsed |> List.map fst
                let kept = List.zip both d |> List.filter (fst >> isCollapsed >> not) |> List.map snd
                let paperForm (xs: float list list) = let acc, sd, _ = Stats.paperAccuracy xs in acc, sd
                let againstMean = Stats.meanCurve (List.map fst errors)
                let standard =
                    let s = runs |> List.map (fun p -> metricCurve StandardTest p.Against, metricCurve StandardTest p.Rule)
                    if claim.Metric = TestMetric && not s.IsEmpty && s |> List.forall (fun (a, b) -> a.IsSome && b.IsSome) then
                        Some(tInterval [ for a, b in s -> best b.Value - best a.Value ])
                    else None
                Ok
                    { Grid = grid.Name
                      Epochs = runs |> List.map (fun p -> p.Rule.Epochs.Length) |> List.min
                      Order = orderOf runs.Head.Rule
                      Runs = runs
                      AgainstBest = aBest
                      RuleBest = rBest
                      Delta = delta
                      P = pairedP d
                      Fraction = (match claim.Effect with Gain(g, _) -> Some(Verdicts.fractionOf (g / 100.0) delta) | NoLoss -> None)
                      Cost = (match claim.Effect with Gain(_, Some _) -> authorsCost claim.Cap errors | _ -> None)
                      MeanCurveCost = meanCurveCost claim.Cap errors
                      PaperFormAgainst = paperForm (List.map fst errors)
                      PaperFormRule = paperForm (List.map snd errors)
                      AgainstFall = Verdicts.lastQuarterFall againstMean
                      AgainstLargestDrop = Verdicts.largestDrop againstMean
                      StandardDelta = standard
                      Collapsed = collapsed
                      AgainstMedian = med
                      DeltaWithoutCollapsed = (if collapsed.IsEmpty then None else Some(tInterval kept)) }

/// A claim with its answer from every declared grid, and the verdicts read from the first grid that answers (the
/// paper's protocol and length).
type ClaimFinding =
    { Claim: Claim
      /// Every declared source: its grid and its comparison or why there is none.
      Sources: (string * Result<Comparison, string>) list
      /// The comparison the verdict is read from: the first declared source with paired runs.
      Primary: Comparison option
      Gain: Verdicts.Verdict
      Cost: Verdicts.Verdict option
      /// Holm's adjustment of the primary comparison's p over the paper's claims with 2 pairs or more.
      HolmP: float }

/// Why a claim has no primary comparison, in words.
let missingReason (f: ClaimFinding) =
    match f.Sources with
    | _ when f.Claim.Task = Dvs -> "needs the DVS128 Gesture recordings, which a user supplies (`--dvs-dir`)"
    | (grid, Error m) :: _ -> $"{grid}: {m}"
    | [] -> "no grid is declared for it"
    | _ -> "no grid answers it"

/// The verdicts of a comparison under the claim's effect.
let private judge (claim: Claim) (c: Comparison option) =
    let none = Verdicts.Inconclusive "not measured"
    match c, claim.Effect with
    | None, Gain(_, cost) -> none, cost |> Option.map (fun _ -> none)
    | None, NoLoss -> none, None
    | Some c, Gain(g, cost) ->
        Verdicts.gain (g / 100.0) c.Delta,
        (match cost, c.Cost with
         | Some paper, Some ce -> Some(Verdicts.cost (paper / 100.0) c.Delta ce)
         | Some _, None -> Some none
         | None, _ -> None)
    | Some c, NoLoss -> Verdicts.noLoss c.Delta, None

/// Every claim measured on the grids read.
let all (grids: GridData list) =
    let found =
        [ for claim in PaperClaims.claims ->
              let sources =
                  [ for name in claim.Sources ->
                        match grids |> List.tryFind (fun g -> g.Name = name) with
                        | Some g -> name, compareIn claim g
                        | None -> name, Error "no records committed" ]
              let primary = sources |> List.tryPick (fun (_, c) -> match c with Ok c -> Some c | Error _ -> None)
              claim, sources, primary ]
    // Holm over the paper's claims with at least 2 pairs (not the extensions)
    let ps = found |> List.map (fun (claim, _, p) -> match p with Some c when not claim.Extension -> c.P | _ -> nan)
    let adjusted = holm ps
    List.map2
        (fun (claim, sources, primary) q ->
            let g, c = judge claim primary
            { Claim = claim; Sources = sources; Primary = primary; Gain = g; Cost = c; HolmP = q })
        found adjusted

/// One arm's completed runs in a grid on a task, unpaired: how many, over how many epochs (the fewest of any run), and
/// the largest drop of their mean test accuracy from one epoch to the next (None without runs).
let armDrop (grid: GridData) (task: DataSetName) (arm: Query) =
    match select (fun e -> e.Model.Dataset = task && arm.Rule e) grid.Groups |> List.collect completed with
    | [] -> None
    | runs ->
        let epochs = runs |> List.map (fun r -> r.Epochs.Length) |> List.min
        let mean = Stats.meanCurve [ for r in runs -> r.Epochs |> List.truncate epochs |> List.map (fun e -> e.TestError) ]
        Some(runs.Length, epochs, Verdicts.largestDrop mean)

/// Two arms of one grid paired by seed on a task (for findings beyond the paper's claims: the ablation's halves).
let versus (grid: GridData) (task: DataSetName) (against: Query) (rule: Query) =
    let claim =
        { Model = ""; Task = task; Statement = ""; Paper = ""; Rule = rule; Against = against; Effect = NoLoss
          Metric = TestMetric; Cap = None; Sources = [ grid.Name ]; Extension = true }
    compareIn claim grid
