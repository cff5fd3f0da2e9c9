/// results/REPORT.md, regenerated from the committed run records only (no clock, no paths of the machine): the
/// paper's claims beside ours, every grid's tables, and a plain conclusion. Runs are found through typed queries
/// (family, task, a predicate on the typed configuration) and compared with the baseline their family declares; a
/// comparison without runs is named in a "Missing" section, and a grid written under an earlier schema is named as
/// one to regenerate, never read as current.
module Sbp.Experiments.Report

open System
open System.Globalization
open System.IO
open System.Text
open Sbp.Experiments.DataSets
open Sbp.Experiments.RunRecord
open Sbp.Experiments.Tables

let private inv (x: float) (format: string) = x.ToString(format, CultureInfo.InvariantCulture)
let private pct (x: float) = inv (100.0 * x) "F2"
let private f1 (x: float) = inv x "F1"
let private f2 (x: float) = inv x "F2"
let private f3 (x: float) = inv x "F3"

let private bestAccs (g: Group) = completed g |> List.map bestAcc

let private meanSdPct (xs: float list) =
    if xs.IsEmpty then "–" else let m, s = Stats.meanSd xs in $"{pct m} ± {pct s}%%"

/// A typed query: the runs of one rule of one family on one task.
type Query =
    { /// What the report calls the rule.
      Name: string
      Task: DataSetName
      /// A predicate on the typed experiment (its family and rule).
      Rule: Experiment.Experiment -> bool }

/// The paper's reference network of a family (one hidden layer of the family's default size).
let private snn (rule: SnnConfig.SnnConfig -> bool) (e: Experiment.Experiment) =
    Experiment.tryConfig SnnConfig.family e |> Option.exists rule

let private eqprop (rule: EqPropConfig.EqPropConfig -> bool) (e: Experiment.Experiment) =
    Experiment.tryConfig EqPropConfig.family e |> Option.exists rule

let private smlp (rule: SmlpConfig.SmlpConfig -> bool) (e: Experiment.Experiment) =
    Experiment.tryConfig SmlpConfig.family e |> Option.exists rule

/// The spiking network's paper SBP (the SBP base rule with the reference spread, one hidden layer).
let snnPaperSbp = snn (fun c -> c.Rule = SnnConfig.SbpBase && c.Spread = SnnConfig.Spread Spread.reference && c.Run.Hidden = SnnConfig.defaults.Run.Hidden)
/// The SBP base rule without any spread.
let snnBaseOnly = snn (fun c -> c.Rule = SnnConfig.SbpBase && c.Spread = SnnConfig.NoSpread && c.Run.Hidden = SnnConfig.defaults.Run.Hidden)
/// The reference spread on the symmetric base rule.
let snnSpreadOnly = snn (fun c -> c.Rule = SnnConfig.Symmetric && c.Spread = SnnConfig.Spread Spread.reference && c.Run.Hidden = SnnConfig.defaults.Run.Hidden)
/// Equilibrium propagation with the SBP operator (reference spread).
let eqOperator = eqprop (fun c -> c.Rule = EqPropConfig.SbpOperator Spread.reference)
/// Equilibrium propagation with the authors' SBP energy.
let eqEnergy = eqprop (fun c -> match c.Rule with EqPropConfig.SbpEnergy _ -> true | _ -> false)
/// The spiking MLP with every hidden gradient replaced by `by`.
let smlpReplacedBy (by: SmlpConfig.Replacer -> bool) =
    smlp (fun c -> match c.Gradient with SmlpConfig.Replaced r -> by r.By && r.Proportion = 1f | SmlpConfig.Backprop -> false)

/// SBP-SPEC §9, the authors' figures: model, task, accuracy without SBP (mean, sd), with SBP (mean, sd), cost
/// reduction, and the typed query of our runs with SBP (compared with their family's baseline).
let paperClaims =
    let snn task = { Name = "spiking network, SBP (reference spread)"; Task = task; Rule = snnPaperSbp }
    let eq task = { Name = "equilibrium propagation, SBP operator"; Task = task; Rule = eqOperator }
    [ "snn", (93.67, 0.40), (95.14, 0.12), 54.1, snn Mnist
      "snn", (84.26, 0.20), (85.58, 0.11), 79.6, snn Nettalk
      "snn", (83.56, 0.25), (85.01, 0.11), 39.6, snn Dvs
      "eqprop", (97.58, 0.13), (97.89, 0.08), 57.1, eq Mnist
      "eqprop", (82.05, 0.64), (83.01, 0.28), 35.8, eq Nettalk
      "eqprop", (66.67, 1.48), (70.88, 1.82), 74.3, eq Dvs ]

/// A grid under results/: its name, and its groups when its records are of the current schema, else the schema they
/// were written under.
type GridState = { Name: string; Groups: Result<Group list, int> }

/// Every grid under `root` (a folder holding run records), in name order.
let grids (root: string) =
    if not (Directory.Exists root) then []
    else
        [ for dir in Directory.GetDirectories root |> Array.sort do
              let name = Path.GetFileName dir
              match load root name with
              | [] -> ()
              | loaded ->
                  let oldest = loaded |> List.map (fst >> schemaOf) |> List.min
                  if oldest < schemaVersion then yield { Name = name; Groups = Error oldest }
                  else yield { Name = name; Groups = Ok(groups (loaded |> List.map snd)) } ]

/// The first group (grid order) that a query selects, with its grid, or the named reason there is none.
let private lookup (gridStates: GridState list) (q: Query) =
    let hits =
        [ for g in gridStates do
              match g.Groups with
              | Ok gs -> for x in select (fun e -> e.Model.Dataset = q.Task && q.Rule e) gs -> g, gs, x
              | Error _ -> () ]
    match hits with
    | hit :: _ -> Ok hit
    | [] ->
        let stale = gridStates |> List.exists (fun g -> Result.isError g.Groups)
        let regenerate = if stale then " (see Grids to regenerate)" else ""
        Error $"{q.Name} on {nameOf q.Task}: no runs of the current schema in any grid{regenerate}"

/// A query's runs against their family's baseline in the same grid: (grid, pair) or the named reason there are none.
let private against (costCap: float option) (gridStates: GridState list) (q: Query) =
    lookup gridStates q
    |> Result.bind (fun (grid, gs, g) ->
        match compareWithBaseline costCap gs g with
        | Some(Ok p) when not p.Pairs.IsEmpty -> Ok(grid.Name, p)
        | Some(Ok _) -> Error $"{q.Name} on {nameOf q.Task} (grid {grid.Name}): no completed run pairs with its baseline"
        | Some(Error m) -> Error $"{q.Name} on {nameOf q.Task} (grid {grid.Name}): {m}"
        | None -> Error $"{q.Name} on {nameOf q.Task} (grid {grid.Name}): a baseline itself, nothing to compare")

/// Δ best metric of a pair: (mean, CI low, CI high, Wilcoxon p, n), cost (mean, sd).
let private delta (p: Pair) =
    let d = p.Pairs |> List.map (fun (x, _, _, _, _) -> x)
    let c = p.Pairs |> List.map (fun (_, x, _, _, _) -> x)
    let m, _ = Stats.meanSd d
    let lo, hi = Stats.bootstrapMean d
    m, lo, hi, snd (Stats.wilcoxon d), d.Length, Stats.meanSd c

/// Best-metric differences b − a over the replicates both groups have.
let private pairedBest (a: Group) (b: Group) =
    let ok (g: Group) = completed g |> List.map (fun r -> replicateOf r, bestAcc r) |> Map.ofList
    let ma, mb = ok a, ok b
    [ for KeyValue(k, vb) in mb do
          match ma.TryFind k with
          | Some va -> yield vb - va
          | None -> () ]

let private signedPct (x: float) = (100.0 * x).ToString("+0.00;-0.00", CultureInfo.InvariantCulture)

let private describeDelta (p: Pair) =
    let m, lo, hi, pv, n, _ = delta p
    $"{signedPct m} points (95%% CI {signedPct lo} to {signedPct hi}, Wilcoxon p = {f3 pv}, {n} paired seeds)"

let private significant (p: Pair) =
    let _, lo, hi, _, _, _ = delta p
    lo > 0.0 || hi < 0.0

/// The tasks scored by cosine similarity instead of accuracy (from the task type).
let private cosineTasks =
    Reflection.FSharpType.GetUnionCases typeof<DataSetName>
    |> Array.map (fun c -> Reflection.FSharpValue.MakeUnion(c, [||]) :?> DataSetName)
    |> Array.filter (fun d -> metricOf d = CosineSimilarity)
    |> Array.map nameOf

/// The report's text and the comparisons it could not make (each named), from the records under `root` (results/).
let build (root: string) =
    let sb = StringBuilder()
    let line (s: string) = sb.AppendLine s |> ignore
    let missing = ResizeArray<string>()
    let orMissing (r: Result<'a, string>) = match r with Ok x -> Some x | Error m -> missing.Add m; None
    let states = grids root
    let cosine = String.Join(", ", cosineTasks)
    line "# Results report: self-backpropagation, reproduced and dissected"
    line ""
    line "Generated by `sbp report` from the run records under `results/` (every figure below is recomputed from those"
    line "files; rerunning the command gives this file byte for byte). Runs are found by their typed configuration and"
    line "compared with the baseline their model family declares (the spiking network: symmetric STDP without spread;"
    line "equilibrium propagation: plain EqProp; the spiking MLP: backprop), run by run with the baseline run of the same"
    line $"replicate. Accuracies are best test accuracy over the run's epochs ({cosine}: cosine similarity of output and"
    line "target, the paper's metric); ± is the sample standard deviation over seeds; Δ is paired by seed with a 95% bootstrap"
    line "interval and a two-sided Wilcoxon signed-rank test (with 5 pairs its smallest possible p is 0.0625, so the interval"
    line "is the criterion used below: a difference counts when its interval excludes zero); the cost reduction is the"
    line "paper's metric (SBP-SPEC §8)."
    line ""
    let stale = states |> List.choose (fun g -> match g.Groups with Error v -> Some(g.Name, v) | Ok _ -> None)
    if not stale.IsEmpty then
        line "## Grids to regenerate"
        line ""
        line $"Written under an earlier schema than the current {schemaVersion} (other ids, unpaired seeds, other names): their"
        line "records are not read as current configurations, and nothing below compares them."
        line ""
        for name, v in stale do line $"- `{name}`: schema {v}; rerun its grid script to regenerate it."
        line ""
    line "## The paper's claims beside ours"
    line ""
    line "Ours in two forms: our statistics (mean of the runs' best ± sample sd; cost reduction as the mean of per-pair"
    line "reductions) and the paper's (1 − min of the mean test-error curve ± population sd; cost reduction from the mean"
    line "error curves, a ratio of mean epochs-to-levels, with the paper's caps: 40% for the ANN on NETtalk and DVS, 20% for"
    line "the SNN on DVS)."
    line ""
    line "| model | task | paper: without SBP | paper: with SBP | paper: cost reduction | ours: without SBP | ours: with SBP | ours: Δ | ours: cost reduction | ours, paper's form: without / with SBP | ours, paper's form: cost reduction | source |"
    line "|---|---|---|---|---|---|---|---|---|---|---|---|"
    for model, (a, sa), (b, sb'), cost, query in paperClaims do
        let paper = $"| {model} | {nameOf query.Task} | {f2 a} ± {f2 sa}%% | {f2 b} ± {f2 sb'}%% | {f1 cost}%% |"
        match orMissing (against None states query) with
        | Some(grid, p) ->
            let cap = paperCapOf p.Rule
            let m, lo, hi, _, _, (cm, cs) = delta p
            let errs (g: Group) = completed g |> List.map (fun r -> r.Epochs |> List.map (fun e -> e.TestError))
            let _, _, red = Stats.paperCostOfMeans cap (errs p.Baseline) (errs p.Rule)
            line $"{paper} {meanSdPct (bestAccs p.Baseline)} | {meanSdPct (bestAccs p.Rule)} | {signedPct m} [{signedPct lo}, {signedPct hi}] | {pct cm} ± {pct cs}%% | {paperAccuracyText p.Baseline}%% / {paperAccuracyText p.Rule}%% | {pct red}%% | {grid}: {query.Name} |"
        | None -> line $"{paper} missing | missing | – | – | – | – | see Missing |"
    line ""
    for g in states do
        match g.Groups with
        | Error _ -> ()
        | Ok gs ->
            line $"## Grid `{g.Name}`"
            line ""
            let records = gs |> List.collect (fun x -> x.Runs)
            let commits = records |> List.map (fun r -> r.GitCommit) |> List.distinct |> List.sort
            let seconds = records |> List.sumBy (fun r -> r.Epochs |> List.sumBy (fun e -> e.Seconds))
            let commitList = String.Join(", ", commits)
            line $"{records.Length} runs, {f1 (seconds / 60.0)} minutes of run time in all; records from commit {commitList}."
            line ""
            line (markdown (summary gs))
            line "Wall-clock time per epoch:"
            line ""
            line (markdown (timings gs))
            let cap = gs |> List.tryPick (fun x -> if family x = Stats.EquilibriumPropagation then Some 0.4 else None)
            let pt = pairTable (pairs cap gs) gs
            if not pt.Rows.IsEmpty then
                line "Each rule against its baseline (paired by seed):"
                line ""
                line (markdown pt)
            for m in missingBaselines gs do missing.Add $"grid {g.Name}: {m}"
            for u in unreadable gs do missing.Add $"grid {g.Name}: record {u}"
            let plots = Path.Combine(root, g.Name, "plots")
            if Directory.Exists plots then
                let names = Directory.GetFiles(plots, "*.png") |> Array.map Path.GetFileName |> Array.sort
                line ("Plots: " + String.Join(", ", names |> Array.map (fun n -> $"[{n}]({g.Name}/plots/{n})")))
                line ""
    line "## Conclusion"
    line ""
    for task in [ Mnist; Nettalk ] do
        let vs name rule = orMissing (against None states { Name = name; Task = task; Rule = rule })
        let full = vs "spiking network, SBP (reference spread)" snnPaperSbp
        let baseOnly = vs "spiking network, SBP base rule without spread" snnBaseOnly
        let spreadOnly = vs "spiking network, symmetric base rule with the reference spread" snnSpreadOnly
        match full, baseOnly, spreadOnly with
        | Some(_, f), Some(_, b), Some(_, s) ->
            line $"- Spiking network, {nameOf task}: the reference SBP run (SBP base rule + spread) against symmetric STDP: {describeDelta f}."
            line $"  The SBP base rule without any spread: {describeDelta b}. The spread on top of the symmetric base: {describeDelta s}."
            let verdict =
                match significant b, significant s with
                | true, false -> "the gain comes from the base rule; the spread adds nothing we can distinguish from zero"
                | false, true -> "the gain comes from the spread, not from the base rule"
                | true, true -> "both the base rule and the spread move the accuracy measurably"
                | false, false -> "neither the base rule nor the spread alone moves the accuracy measurably at this number of seeds"
            line $"  Reading: {verdict}."
        | _ -> ()
    for task in [ Mnist; Nettalk ] do
        match orMissing (against (Some 0.4) states { Name = "equilibrium propagation, SBP operator"; Task = task; Rule = eqOperator }) with
        | Some(_, p) -> line $"- Equilibrium propagation, {nameOf task}: the SBP operator (reference parameters) against plain EqProp: {describeDelta p}."
        | None -> ()
    for task in [ Mnist; Fashion ] do
        let vs name rule = orMissing (against (Some 0.4) states { Name = name; Task = task; Rule = rule })
        match vs "equilibrium propagation, the authors' SBP energy" eqEnergy, vs "equilibrium propagation, SBP operator" eqOperator with
        | Some(_, e), Some(_, o) ->
            let verdict (p: Pair) =
                let d = List.average (bestAccs p.Rule) - List.average (bestAccs p.Baseline)
                if abs d < 0.005 then "on a par with" elif d > 0.0 then "above" else "below"
            line $"- Equilibrium propagation on {nameOf task}: the authors' SBP energy reaches {meanSdPct (bestAccs e.Rule)}, {verdict e} plain EqProp's {meanSdPct (bestAccs e.Baseline)}; the SBP operator on the weight change reaches {meanSdPct (bestAccs o.Rule)}, {verdict o} it."
        | _ -> ()
    for task in [ Mnist; Nettalk ] do
        let vs name by = orMissing (against None states { Name = name; Task = task; Rule = smlpReplacedBy by })
        match vs "spiking MLP, every hidden gradient replaced by SBP" (function SmlpConfig.Sbp _ -> true | _ -> false),
              vs "spiking MLP, every hidden gradient replaced by zero" (function SmlpConfig.Zero -> true | _ -> false) with
        | Some(_, s), Some(_, z) ->
            line $"- Spiking MLP, {nameOf task}: with every hidden gradient replaced (p = 1), SBP reaches {meanSdPct (bestAccs s.Rule)} and the zero control {meanSdPct (bestAccs z.Rule)}, against {meanSdPct (bestAccs s.Baseline)} for backprop."
        | _ -> ()
    // depth: the SBP run at depth d against depth 1 of the same hidden layers and replicate (paired seeds: the
    // spread is a compared key)
    let depthOf d = snn (fun c -> c.Rule = SnnConfig.SbpBase && (match c.Spread with SnnConfig.Spread s -> s.Depth = d | SnnConfig.NoSpread -> false) && c.Run.Hidden.Length > 1)
    let deep =
        [ for g in states do
              match g.Groups with
              | Ok gs -> yield! select (depthOf 1) gs |> List.map (fun one -> gs, one)
              | Error _ -> () ]
    if deep.IsEmpty then missing.Add "spiking network, SBP depth 2 and 3 against depth 1 (more than one hidden layer): no runs of the current schema in any grid"
    for gs, one in deep do
        match one.Experiment with
        | Ok e1 ->
            let same (e: Experiment.Experiment) = e.Model.Dataset = e1.Model.Dataset && snn (fun c -> Some c.Run.Hidden = (Experiment.tryConfig SnnConfig.family e1 |> Option.map (fun c1 -> c1.Run.Hidden))) e
            let at d = select (fun e -> same e && depthOf d e) gs |> List.tryHead
            let hidden = Experiment.tryConfig SnnConfig.family e1 |> Option.map (fun c -> c.Run.Hidden) |> Option.defaultValue []
            let layers = hidden.Length + 2
            let accs = [ for d in 0 .. 3 do match at d with Some g -> yield $"depth {d}: {meanSdPct (bestAccs g)}" | None -> () ]
            let deeper =
                [ for d in [ 2; 3 ] do
                      match at d with
                      | Some g ->
                          let diffs = pairedBest one g
                          if not diffs.IsEmpty then
                              let m, _ = Stats.meanSd diffs
                              let lo, hi = Stats.bootstrapMean diffs
                              yield d, m, lo, hi, diffs.Length
                          else missing.Add $"spiking network {layers} layers on {nameOf e1.Model.Dataset}: depth {d} has no replicate in common with depth 1"
                      | None -> missing.Add $"spiking network {layers} layers on {nameOf e1.Model.Dataset}: no runs at SBP depth {d}" ]
            let shown = deeper |> List.map (fun (d, m, lo, hi, n) -> $"depth {d} vs 1: {signedPct m} [{signedPct lo}, {signedPct hi}] over {n} seeds")
            let verdict =
                if deeper |> List.exists (fun (_, _, lo, _, n) -> n >= 2 && lo > 0.0) then "A depth above 1 helps here (its interval lies above zero)."
                elif deeper |> List.forall (fun (_, _, _, _, n) -> n < 2) then "One seed only: no verdict on depth."
                else "No depth above 1 helps measurably."
            line $"""- {layers}-layer spiking network, {nameOf e1.Model.Dataset}: {String.Join("; ", accs)}. {String.Join("; ", shown)}. {verdict}"""
        | Error _ -> ()
    line ""
    line "Negative results are reported as measured; nothing here was tuned to match the paper."
    let missing = missing |> List.ofSeq |> List.distinct
    if not missing.IsEmpty then
        line ""
        line "## Missing"
        line ""
        line "Comparisons the report makes that have no runs (each a typed query: family, task, rule):"
        line ""
        for m in missing do line $"- {m}"
    sb.ToString(), missing

/// Writes results/REPORT.md and returns its text and the missing comparisons. With missing comparisons the report is
/// written only when `allowMissing` (else nothing is written and the caller exits non-zero).
let write (root: string) (allowMissing: bool) =
    let text, missing = build root
    if missing.IsEmpty || allowMissing then
        let path = Path.Combine(root, "REPORT.md")
        File.WriteAllText(path + ".tmp", text)
        File.Move(path + ".tmp", path, true)
    text, missing
