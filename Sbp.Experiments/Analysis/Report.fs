/// results/REPORT.md and results/<grid>/README.md, rendered from the findings (module Findings) of the committed run
/// records of the declared grids only (module PaperClaims): no clock, no paths of the machine, so that `sbp report`
/// rewrites them byte for byte. REPORT.md is one screen of answers: how a claim is judged, one verdict table, the
/// paper's figures beside ours, findings in sentences; every grid's detail is on its own page.
module Sbp.Experiments.Report

open System
open System.Globalization
open System.IO
open System.Text
open Sbp.Experiments.DataSets
open Sbp.Experiments.Findings
open Sbp.Experiments.Inference
open Sbp.Experiments.PaperClaims

let private inv (x: float) (format: string) = x.ToString(format, CultureInfo.InvariantCulture)
let private f1 (x: float) = inv x "F1"
let private f2 (x: float) = inv x "F2"

/// A fraction in signed percentage points, two decimals ("+0.00" for a value that rounds to zero).
let private signedPct (x: float) =
    let v = Math.Round(100.0 * x, 2)
    (if v = 0.0 then 0.0 else v).ToString("+0.00;-0.00", CultureInfo.InvariantCulture)

/// A signed percentage, one decimal.
let private signedPct1 (x: float) =
    let v = Math.Round(100.0 * x, 1)
    (if v = 0.0 then 0.0 else v).ToString("+0.0;-0.0", CultureInfo.InvariantCulture)

/// An estimate with its interval, or the mean alone (with "n = 1") where there is no interval.
let private estimate (fmt: float -> string) (e: Estimate) =
    if e.N < 2 then $"{fmt e.Mean} (n = 1)" else $"{fmt e.Mean} [{fmt e.Low}, {fmt e.High}]"

let private pValue (p: float) = if Double.IsNaN p then "–" elif p < 0.001 then "<0.001" else inv p "F3"

/// A mean ± standard deviation of n runs in percent; a single run's value alone (it has no spread to show).
let private pctSpread (n: int) (m: float) (s: float) = if n = 1 then f2 (100.0 * m) else $"{f2 (100.0 * m)} ± {f2 (100.0 * s)}"

let private meanSd (xs: float list) = let m, s = Stats.meanSd xs in pctSpread xs.Length m s

/// A pairs cell: the count, in words where it is too few for a result (a single run, a first reading).
let private pairsCell (n: int) =
    if n = 1 then "1 (a single run)"
    elif n > 1 && n < Verdicts.minimumPairs then $"{n} (a first reading)"
    else string n

/// The cost change of the rule against the compared arm, as the paper writes it (−54.1%: the cost fell by 54.1%), with
/// its interval; "(ceiling)" where it is a bound at the metric's resolution.
let private costText (c: CostEstimate) =
    let interval = if Double.IsNaN c.Low then " [unbounded]" else $" [{signedPct1 -c.High}, {signedPct1 -c.Low}]"
    let ceiling = if c.AtCeiling then " (ceiling)" else ""
    $"{signedPct1 -c.Reduction}%%{interval}{ceiling}"

let private taskText (t: DataSetName) =
    match t with
    | Mnist -> "MNIST"
    | Mnist10k -> "MNIST 10k"
    | Fashion -> "Fashion-MNIST"
    | Nettalk -> "NETtalk"
    | Dvs -> "DVS Gesture"

/// The metric a claim is scored by, where it is not the test accuracy or the mean cosine (a note after the task).
let private metricNote (claim: Claim) =
    match claim.Metric with
    | FirstOfBatchCosine -> " (the authors' first-of-batch cosine)"
    | StandardTest -> " (the standard test split)"
    | TestMetric -> ""

/// A comparison's grid, epochs and data order, as a table cell.
let private sourceText (c: Comparison) = $"[{c.Grid}]({c.Grid}/README.md), {c.Epochs} ep., {c.Order}"

/// The verdict table's rows of one claim: its primary comparison, then every other grid that answers it.
let private rows (f: ClaimFinding) =
    let claim = f.Claim
    let label = $"{claim.Model}, {taskText claim.Task}{metricNote claim}: {claim.Statement}"
    let judged (c: Comparison) (primary: bool) =
        let fraction = match c.Fraction with Some fr -> estimate f2 fr | None -> "–"
        let cost = match c.Cost with Some ce -> costText ce | None -> "–"
        // a no-loss claim of the project's own (the fast σ) holds or not; the paper is not what it reproduces
        let verdict = if claim.Extension && claim.Effect = NoLoss then Verdicts.shortOwn else Verdicts.short
        let gain = if primary then verdict f.Gain else "shown, not judged"
        let costV = match f.Cost with Some v when primary -> Verdicts.short v | Some _ -> "shown, not judged" | None -> "–"
        let p = if primary && not claim.Extension then $"{pValue c.P} / {pValue f.HolmP}" else pValue c.P
        $"| {label} | {claim.Paper} | {sourceText c} | {pairsCell c.Runs.Length} | {estimate signedPct c.Delta} | {fraction} | {p} | {gain} | {cost} | {costV} |"
    match f.Primary with
    | None -> [ $"| {label} | {claim.Paper} | – | 0 | – | – | – | not measured: {missingReason f} | – | – |" ]
    | Some primary ->
        [ yield judged primary true
          for _, c in f.Sources do
              match c with
              | Ok c when c.Grid <> primary.Grid -> yield judged c false
              | _ -> () ]

/// The figure's row of a claim measured with at least one pair.
let private figureRow (f: ClaimFinding) : Plots.PaperRow option =
    match f.Primary, f.Claim.Effect with
    | Some _, _ when f.Claim.Extension -> None // the paper's figures are not the extension's
    | Some c, Gain(g, cost) ->
        let ce = c.Cost
        Some
            { Label = f.Claim.Model + ", " + taskText f.Claim.Task + (if f.Claim.Extension then " (SBP operator)" elif f.Claim.Rule.Name = smlpAuthors.Name then " (authors' run)" else "")
              PaperDelta = g / 100.0
              PaperCost = (match cost with Some x -> x / 100.0 | None -> nan)
              Delta = c.Delta.Mean, c.Delta.Low, c.Delta.High
              Cost = (match ce with Some ce -> ce.Reduction, ce.Low, ce.High | None -> nan, nan, nan)
              Pairs = c.Runs.Length }
    | _ -> None

/// Sentences computed from the findings: which claims hold, where the gain comes from, what is missing.
let private sentences (findings: ClaimFinding list) (grids: GridData list) =
    let paper = findings |> List.filter (fun f -> not f.Claim.Extension)
    let named (v: Verdicts.Verdict -> bool) =
        [ for f in paper do
              if f.Primary.IsSome && v f.Gain then $"{f.Claim.Model} on {taskText f.Claim.Task} ({f.Claim.Statement})" ]
    let list (xs: string list) = if xs.IsEmpty then "none" else String.Join("; ", xs)
    let isRep v = v = Verdicts.Reproduced
    let isNot v = v = Verdicts.NotReproduced
    let namedCost (v: Verdicts.Verdict -> bool) =
        [ for f in paper do
              match f.Primary, f.Cost with
              | Some _, Some c when v c -> yield $"{f.Claim.Model} on {taskText f.Claim.Task}"
              | _ -> () ]
    [ let measured = paper |> List.filter (fun f -> f.Primary.IsSome)
      let first = measured |> List.filter (fun f -> f.Primary.Value.Runs.Length < Verdicts.minimumPairs)
      yield $"**{measured.Length} of {paper.Length} claims have paired runs; {measured.Length - first.Length} rest on at least {Verdicts.minimumPairs} pairs.** Claims reproduced: {list (named isRep)}. Claims not reproduced: {list (named isNot)}. Cost reductions reproduced: {list (namedCost isRep)}; not reproduced: {list (namedCost isNot)}."
      let costs = [ for f in paper do match f.Cost, f.Primary with Some v, Some c when c.Cost.IsSome -> yield f, v, c.Cost.Value | _ -> () ]
      if not costs.IsEmpty then
          let parts =
              [ for f, v, ce in costs ->
                    let cn = match f.Claim.Effect with Gain(_, Some c) -> c | _ -> nan
                    $"{f.Claim.Model} on {taskText f.Claim.Task} {costText ce} against the paper's −{f1 cn}%% ({Verdicts.short v})" ]
          let joined = String.Join("; ", parts)
          yield $"**Cost, in the authors' form** (levels per pair, epochs averaged per arm): {joined}."
      // the data order: the compared arm's mean curve in the paper grids (file order) against the same arm shuffled
      // every epoch (paper-ablation's shuffled arm)
      let isSnn (f: ClaimFinding) = f.Claim.Against.Name = snnSymmetric.Name && f.Claim.Rule.Name = snnSbp.Name
      let shuffledDrop =
          grids |> List.tryFind (fun g -> g.Name = "paper-ablation") |> Option.bind (fun g -> armDrop g Mnist snnSymmetricShuffled)
      for f in findings do
          match f.Primary with
          | Some c when isSnn f && f.Claim.Task = Mnist ->
              let before =
                  match shuffledDrop with
                  | Some(n, epochs, drop) -> $" (shuffled every epoch, paper-ablation's mean curve of {n} runs over {epochs} epochs fell by up to {f2 (100.0 * drop)} points)"
                  | None -> ""
              yield $"**Symmetric STDP on full MNIST in {c.Order}**: its mean test accuracy falls by at most {f2 (100.0 * c.AgainstLargestDrop)} points from one epoch to the next over {c.Epochs} epochs ({c.Runs.Length} runs){before}."
          | Some c when isSnn f && f.Claim.Task = Nettalk && c.Order = "file order" ->
              match grids |> List.tryFind (fun g -> g.Name = "paper-snn-nettalk") |> Option.map (fun g -> versus g Nettalk snnSymmetric snnSbp) with
              | Some(Ok s) ->
                  let bestWithin (r: RunRecord.Record) = r.Epochs |> List.truncate c.Epochs |> List.map (fun e -> e.TestAccuracy) |> List.max
                  let shuffled = [ for p in s.Runs -> bestWithin p.Against ]
                  yield $"**NETtalk in file order trains worse**: symmetric STDP reaches {meanSd c.AgainstBest}%% best cosine similarity over {c.Epochs} epochs in the corpus's word order ({c.Runs.Length} runs), {meanSd shuffled}%% over the same epochs when shuffled every epoch (paper-snn-nettalk). The authors' NETtalk file is not published, so its order is unknown (docs/SBP-SPEC.md §11): this claim's protocol cannot be matched exactly."
              | _ -> ()
          | _ -> ()
      match grids |> List.tryFind (fun g -> g.Name = "paper-ablation") with
      | Some g ->
          // each arm against the one it adds to, with what it adds and to what in words; what the sentence concludes
          // about each follows from that comparison's interval
          let stronger (f: float32) = { Spread.reference with Fraction = f }
          let parts =
              [ snnBaseOnly, snnSymmetric, "the base rule alone", "against symmetric STDP"
                snnSbp, snnBaseOnly, "the reference spread (its factors average about 1.0003, docs/SBP-SPEC.md §10)", "on the SBP base rule"
                snnSpreadOnly, snnSymmetric, "the reference spread", "on symmetric STDP"
                snnWith SnnConfig.SbpBase "SBP base rule + spread f = 1" (stronger 1f), snnBaseOnly, "a spread as large as the modification (f = 1)", "on the SBP base rule"
                snnWith SnnConfig.SbpBase "SBP base rule + spread f = 5" (stronger 5f), snnBaseOnly, "a spread 5 times the modification (f = 5)", "on the SBP base rule"
                snnWith SnnConfig.Symmetric "symmetric STDP + spread f = 5" (stronger 5f), snnSymmetric, "a spread 5 times the modification (f = 5)", "on symmetric STDP" ]
              |> List.map (fun (q, against, what, on) -> q, against, what, on, versus g Mnist against q)
          let setting =
              match parts.Head with
              | _, _, _, _, Ok c -> $"paper-ablation, full MNIST, {c.Epochs} epochs, {c.Order}"
              | _ -> "paper-ablation, full MNIST"
          // what each arm adds, concluded from its paired 95% interval on as many pairs as a verdict needs, then the numbers
          let item (q: Query, against: Query, what: string, on: string, c: Result<Comparison, string>) =
              match c with
              | Ok c when c.Runs.Length >= Verdicts.minimumPairs ->
                  let effect = if c.Delta.Low > 0.0 then "raises accuracy" elif c.Delta.High < 0.0 then "lowers accuracy" else "changes nothing measurable"
                  $"{what} {effect} {on} ({q.Name} vs {against.Name} {estimate signedPct c.Delta} points, n = {c.Runs.Length})"
              | Ok c -> $"{what} is not yet measured on {Verdicts.minimumPairs} pairs {on} ({q.Name} vs {against.Name} {estimate signedPct c.Delta} points, n = {c.Runs.Length})"
              | Error m -> $"{what} is not yet measured on {Verdicts.minimumPairs} pairs {on} ({q.Name}: {m})"
          let all = String.Join("; ", parts |> List.map item)
          yield $"**Where the spiking network's gain comes from** ({setting}; Δ best test accuracy, 95%% t): {all}."
      | None -> ()
      // a difference that rests on collapsed runs of the compared arm, said so (with Δ over the other pairs)
      let restsOn (c: Comparison) (against: string) =
          let runs = String.Join(", ", c.Collapsed |> List.map (fun x -> f2 (100.0 * x) + "%"))
          let without = match c.DeltaWithoutCollapsed with Some e -> $"{estimate signedPct e} points over the other {e.N} pairs" | None -> "–"
          $"rests on {c.Collapsed.Length} run(s) of {against} that stayed more than {f1 (100.0 * Findings.collapseMargin)} points below that arm's median of {f2 (100.0 * c.AgainstMedian)}%% (best {runs}) while the rule's run of the pair did not; without those pairs {without}"
      match grids |> List.tryFind (fun g -> g.Name = "paper-fashion") with
      | Some g ->
          let part (model: string) (q: Query) (against: Query) =
              match versus g Fashion against q with
              | Ok c ->
                  let rests = if c.Collapsed.IsEmpty then "" else ", which " + restsOn c against.Name
                  $"{model}, {q.Name} vs {against.Name} {estimate signedPct c.Delta} points (n = {c.Runs.Length}, {c.Epochs} epochs, {c.Order}){rests}"
              | Error m -> $"{model}, {q.Name}: {m}"
          let parts = String.Join(". ", [ part "The spiking STDP network" snnSbp snnSymmetric; part "EqProp" eqEnergy eqPlain; part "EqProp" eqOperator eqPlain ])
          yield $"**Fashion-MNIST, a task the paper never saw** (paper-fashion, best test accuracy). {parts}."
      | None -> ()
      let ext = findings |> List.filter (fun f -> f.Claim.Extension && f.Primary.IsSome && f.Claim.Rule.Name = eqOperator.Name)
      if not ext.IsEmpty then
          let parts = [ for f in ext -> let d = estimate signedPct f.Primary.Value.Delta in $"{taskText f.Claim.Task} {d} points" ]
          let joined = String.Join("; ", parts)
          yield $"**The ANN claim is judged on the authors' SBP energy** (their `model.py`, flag `sbp`); the SBP operator on EqProp's weight change is this project's extension: {joined} against plain EqProp."
      let fast = findings |> List.filter (fun f -> f.Primary.IsSome && (f.Claim.Rule.Name = snnSymmetricFast.Name || f.Claim.Rule.Name = snnSbpFast.Name))
      if not fast.IsEmpty then
          let parts =
              [ for f in fast ->
                    let c = f.Primary.Value
                    // an interval of width 0 is every pair equal, at the resolution of the test metric: said, not shown as a measurement
                    let same = if c.Delta.Low = c.Delta.High then ", the same best test metric in every pair" else ""
                    $"{f.Claim.Against.Name} {estimate signedPct c.Delta} points (n = {c.Runs.Length}, {c.Epochs} epochs, {c.Grid}{same})" ]
          let joined = String.Join("; ", parts)
          yield $"**The fast σ** (`--sigma fast`, tanh in single precision; this project's speed option, not a claim of the paper), Δ best test accuracy of the fast against the exact σ, paired: {joined}. Every other row of this report uses the exact σ."
      let collapsedParts =
          [ for f in findings do
                match f.Primary with
                | Some c when not c.Collapsed.IsEmpty ->
                    yield $"{f.Claim.Model} on {taskText f.Claim.Task}, {f.Claim.Rule.Name}: Δ {estimate signedPct c.Delta} {restsOn c f.Claim.Against.Name}"
                | _ -> () ]
      if not collapsedParts.IsEmpty then
          let joined = String.Join("; ", collapsedParts)
          yield $"**Differences that rest on a collapsed baseline run**: {joined}."
      let missing = [ for f in paper do if f.Primary.IsNone then $"{f.Claim.Model} on {taskText f.Claim.Task} ({missingReason f})" ]
      let joinAll (xs: string list) = String.Join("; ", List.distinct xs)
      if not missing.IsEmpty then yield $"**Not measured**: {joinAll missing}."
      let few = [ for f in paper do match f.Primary with Some c when c.Runs.Length < Verdicts.minimumPairs -> yield $"{f.Claim.Model} on {taskText f.Claim.Task}, {f.Claim.Statement} ({c.Runs.Length} of {Verdicts.minimumPairs} pairs so far)" | _ -> () ]
      if not few.IsEmpty then yield $"**First readings only** (grids still running, fewer than {Verdicts.minimumPairs} pairs): {joinAll few}." ]

/// REPORT.md's text and the rows of its figure.
/// The spiking network's mean test-accuracy curve per rule on MNIST in grid paper-snn (completed runs of the full
/// length only), with the number of runs.
let private snnMnistCurves (grids: GridData list) (rule: string) =
    let runs =
        [ for g in grids do
              if g.Name = "paper-snn" then
                  for group in g.Groups do
                      for r in group.Runs do
                          let text k = r.Config |> List.tryPick (fun (k', v) -> match v with RunRecord.Text t when k' = k -> Some t | _ -> None)
                          if text "dataset" = Some "mnist" && text "rule" = Some rule && r.Status = RunRecord.Completed then yield r ]
    match runs with
    | [] -> [], 0
    | _ ->
        let epochs = runs |> List.map (fun r -> r.Epochs.Length) |> List.max
        let full = runs |> List.filter (fun r -> r.Epochs.Length = epochs)
        [ for e in 0 .. epochs - 1 -> full |> List.averageBy (fun r -> r.Epochs[e].TestAccuracy) ], full.Length

/// The section on absolute levels: the paper's, the authors' code's (committed reference curves) and ours, with the
/// criterion on our symmetric STDP curve stated before its numbers; and the rows of its figure.
let private absoluteLevels (grids: GridData list) =
    let paperSym, paperSbp, _ = PaperClaims.snnMnist
    let authors = ReferenceCurves.committed.Value
    let authorsOf (rule: string) = authors |> List.tryFind (fun c -> c.Rule = rule) |> Option.map (fun c -> c.Accuracy) |> Option.defaultValue []
    let rules =
        [ for rule, label, paper in [ "symmetric", "symmetric STDP", paperSym; "sbp", "SBP", paperSbp ] do
              let ours, n = snnMnistCurves grids rule
              if n > 0 then { Plots.Rule = label; Plots.Ours = ours; Plots.Replicates = n; Plots.Authors = authorsOf rule; Plots.Paper = paper / 100.0 } ]
    let pct (x: float) = f2 (100.0 * x)
    [ yield $"The paper reports {f2 paperSym}%% for symmetric STDP and {f2 paperSbp}%% for SBP on MNIST after 100 epochs. The"
      yield "authors' released MATLAB code was run here under GNU Octave on the standard files, in file order, with its own"
      yield $"seed; its curves are committed as reference data ([{ReferenceCurves.fileName}](../{ReferenceCurves.fileName}) says how"
      yield "they were made). Criterion, fixed before the numbers: symmetric STDP's mean curve in grid paper-snn falls by no"
      yield "more than 1 point between consecutive epochs over its 100 epochs, and its best lies within 1.5 points of the best"
      yield "the authors' code reaches in the same number of epochs."
      yield ""
      match rules with
      | [] -> yield "Grid paper-snn holds no MNIST runs yet: nothing to compare."
      | _ ->
          yield "| rule | Sbp runs | Sbp mean curve's best, first k epochs | the authors' code's best, same k epochs | difference (points) | Sbp mean curve's best, all epochs | the paper | Sbp mean curve's largest fall between epochs |"
          yield "|---|---|---|---|---|---|---|---|"
          for r in rules do
              let k = min r.Authors.Length r.Ours.Length
              let drop, after = let e, d = ReferenceCurves.largestDrop r.Ours in d, e
              let fall = if drop <= 0.0 then "none" else $"{f2 (100.0 * drop)} (after epoch {after})"
              if k > 0 then
                  let ours, theirs = ReferenceCurves.bestWithin k r.Ours, ReferenceCurves.bestWithin k r.Authors
                  yield $"| {r.Rule} | {r.Replicates} × {r.Ours.Length} ep. | {pct ours} (k = {k}) | {pct theirs} | {signedPct (ours - theirs)} | {pct (List.max r.Ours)} | {f2 (100.0 * r.Paper)} | {fall} |"
              else
                  yield $"| {r.Rule} | {r.Replicates} × {r.Ours.Length} ep. | – | no reference run | – | {pct (List.max r.Ours)} | {f2 (100.0 * r.Paper)} | {fall} |"
          yield ""
          match rules |> List.tryFind (fun r -> r.Rule = "symmetric STDP") with
          | Some r ->
              let k = min r.Authors.Length r.Ours.Length
              let _, drop = ReferenceCurves.largestDrop r.Ours
              let steady = drop <= 0.01
              let close = k > 0 && abs (ReferenceCurves.bestWithin k r.Ours - ReferenceCurves.bestWithin k r.Authors) <= 0.015
              let verdict =
                  if r.Replicates < Verdicts.minimumPairs || r.Ours.Length < 100 then
                      $"not yet judged: {r.Replicates} run(s) of {r.Ours.Length} epochs (the criterion asks for {Verdicts.minimumPairs} of 100)"
                  elif k = 0 then "not judged: no reference run of the authors' code"
                  elif steady && close && k < r.Ours.Length then $"met, the bests compared over the {k} epoch(s) the authors' code ran"
                  elif steady && close then "met"
                  else
                      let why = [ if not steady then "a fall larger than 1 point"; if not close then "a best more than 1.5 points from the authors' code" ]
                      "not met (" + String.Join("; ", why) + ")"
              yield $"Symmetric STDP against the criterion: **{verdict}**. A gap between both and the paper's level is the"
              yield "paper's to explain; a gap between Sbp and the authors' code would be ours."
          | None -> ()
          yield ""
          yield "![The authors' code beside ours](authors-vs-ours.png)" ],
    rules

let build (root: string) =
    let grids = readGrids root
    let findings = Findings.all grids
    let sb = StringBuilder()
    let line (s: string) = sb.AppendLine s |> ignore
    line "# Sbp: the paper's claims, measured"
    line ""
    line "Generated by `sbp report` from the run records of the grids listed at the end (rerunning it gives this file byte"
    line "for byte). The paper: Zhang et al., *Science Advances* 7(43), 2021; its numbers and the authors' protocol are in"
    line "[docs/SBP-SPEC.md](../docs/SBP-SPEC.md) (§9 numbers, §12 protocol). Every comparison pairs runs that share a seed."
    line ""
    line "## How a claim is judged (fixed before the numbers)"
    line ""
    line "- **Δ**: the rule's best test metric − the compared arm's, per pair; mean and 95% interval from Student's t"
    line "  (n − 1 degrees of freedom). **of paper's**: Δ / the paper's gain, with its interval."
    line "- **Gain claim** (the paper: +g points): *reproduced* when the interval's lower end reaches g/2; *not reproduced*"
    line $"  when its upper end stays below g/2. **No-loss claim**: *reproduced* when the lower end is above −{f1 (100.0 * Verdicts.margin)} points (the"
    line "  project's own no-loss rows, not the paper's, say *holds* and *does not hold* instead)."
    line "- **Cost claim** (the paper: −c%): the authors' form — per pair, 5 error levels from that pair's curves, epochs to"
    line "  each level averaged per arm, the change is their ratio − 1 — with Fieller's interval; *reproduced* when the fall"
    line "  is at least c/2 over the whole interval and accuracy is kept; *not measurable* when the rule reached every level"
    line "  at its first evaluation in every pair (the figure is then a bound set by whole epochs, not a measurement)."
    line $"- Anything else, or fewer than {Verdicts.minimumPairs} pairs (a first reading): *inconclusive*. p: paired t test, raw / Holm-adjusted over"
    line "  every claim of the paper with 2 pairs or more (first readings included: the family the finished grids will have)."
    line "  The first row of a claim is the paper's protocol and length; further rows are other lengths, shown, not chosen."
    line ""
    line "## Verdicts"
    line ""
    line "| claim | the paper | grid | pairs | Δ points [95% t] | of paper's | p raw / Holm | gain verdict | cost change, authors' form [95%] | cost verdict |"
    line "|---|---|---|---|---|---|---|---|---|---|"
    for f in findings do for r in rows f do line r
    line ""
    line "![The paper's figures beside ours](paper-vs-ours.png)"
    line ""
    line "## Findings"
    line ""
    for i, s in List.indexed (sentences findings grids) do line $"{i + 1}. {s}"
    line ""
    line "## Where the paper's absolute levels stand"
    line ""
    let levelLines, levelRules = absoluteLevels grids
    for l in levelLines do line l
    line ""
    line "## Other comparisons at other lengths or protocols"
    line ""
    line "| claim | grid | pairs | compared arm (%) | rule (%) | paper's form: without / with (%) | cost change, mean curves | standard test Δ |"
    line "|---|---|---|---|---|---|---|---|"
    for f in findings do
        for _, c in f.Sources do
            match c with
            | Ok c ->
                let std = match c.StandardDelta with Some d -> estimate signedPct d | None -> "–"
                let (a, sa), (b, sb') = c.PaperFormAgainst, c.PaperFormRule
                let spread = pctSpread c.Runs.Length
                line $"| {f.Claim.Model}, {taskText f.Claim.Task}, {f.Claim.Rule.Name} | {sourceText c} | {pairsCell c.Runs.Length} | {meanSd c.AgainstBest} | {meanSd c.RuleBest} | {spread a sa} / {spread b sb'} | {signedPct1 -c.MeanCurveCost}%% | {std} |"
            | Error _ -> ()
    line ""
    line "## Grids"
    line ""
    line "Each grid's page has its tables (every configuration, every pair), timings, figures and the commands that made it."
    line ""
    for g in PaperClaims.grids do
        match grids |> List.tryFind (fun d -> d.Name = g.Name) with
        | Some d ->
            let runs = d.Groups |> List.sumBy (fun x -> x.Runs.Length)
            line $"- [{g.Name}]({g.Name}/README.md): {g.Question} ({runs} runs)."
        | None -> line $"- {g.Name}: {g.Question} (no records committed)."
    let figureRows = findings |> List.choose figureRow
    sb.ToString(), figureRows, levelRules, findings, grids

/// A runner call's commit as a grid page shows it: 7 digits, and "+dirty" where tracked code had uncommitted changes.
let private shortCommit (commit: string) =
    commit.Substring(0, min 7 commit.Length) + (if commit.EndsWith "+dirty" then "+dirty" else "")

/// A grid's page, results/<grid>/README.md: what it asks, the commands and wall time of its runs, links to its tables
/// and figures, and the claims it answers.
let gridPage (root: string) (entry: GridEntry) (findings: ClaimFinding list) =
    let dir = Path.Combine(root, entry.Name)
    let sb = StringBuilder()
    let line (s: string) = sb.AppendLine s |> ignore
    line $"# Grid `{entry.Name}`"
    line ""
    line $"{entry.Question}. Generated by `sbp report`; the tables and figures by `sbp table {entry.Name}`."
    line ""
    match Invocations.read dir with
    | Ok calls when not calls.IsEmpty ->
        let minutes = calls |> List.sumBy (fun c -> c.Seconds) |> fun s -> s / 60.0
        line $"Runs were trained by {calls.Length} call(s) of the runner, {f1 minutes} minutes of wall time in all:"
        line ""
        for c in calls |> List.map (fun c -> $"`{c.Command}` ({c.Parallel} at a time on {c.Processors} cores, commit {shortCommit c.Commit})") |> List.distinct do
            line $"- {c}"
    | Ok _ -> line "No log of runner calls (its runs were made one by one)."
    | Error m -> line $"The log of runner calls cannot be read: {m}"
    line ""
    line "## Tables and figures"
    line ""
    for file, what in [ "table.md", "every configuration: runs, final and best test metric, the paper's form"; "pairs.md", "every rule against its baseline, pair by pair"; "timings.md", "seconds per epoch" ] do
        if File.Exists(Path.Combine(dir, file)) then line $"- [{file}]({file}): {what}"
    let plots = Path.Combine(dir, "plots")
    if Directory.Exists plots then
        for p in Directory.GetFiles(plots, "*.png") |> Array.map Path.GetFileName |> Array.sort do
            line $"- [plots/{p}](plots/{p})"
    let answered = [ for f in findings do for _, c in f.Sources do match c with Ok c when c.Grid = entry.Name -> yield f, c | _ -> () ]
    if not answered.IsEmpty then
        line ""
        line "## The claims it answers"
        line ""
        line "| claim | pairs | epochs | Δ points [95% t] | cost change, authors' form [95%] | compared arm still improving? |"
        line "|---|---|---|---|---|---|"
        for f, c in answered do
            let cost = match c.Cost with Some ce -> costText ce | None -> "–"
            let still =
                if Double.IsNaN c.AgainstFall then "too few epochs to tell"
                elif Verdicts.plateaued (Stats.meanCurve [ for p in c.Runs -> p.Against.Epochs |> List.map (fun e -> e.TestError) ]) then "no"
                else $"yes: its lowest mean error fell {f2 (100.0 * c.AgainstFall)} points in the last quarter"
            line $"| {f.Claim.Model}, {taskText f.Claim.Task}: {f.Claim.Rule.Name} vs {f.Claim.Against.Name} | {c.Runs.Length} | {c.Epochs} | {estimate signedPct c.Delta} | {cost} | {still} |"
    sb.ToString()

let private writeText (path: string) (text: string) =
    File.WriteAllText(path + ".tmp", text)
    File.Move(path + ".tmp", path, true)

/// Writes results/REPORT.md, its figure (paper-vs-ours.png) and every declared grid's README.md; returns the report's
/// text and the claims of the paper it could not measure (each named). With such claims nothing is written unless
/// `allowMissing` (the caller then exits non-zero). DVS claims need the user's recordings and never count as missing.
let write (root: string) (allowMissing: bool) =
    let text, figureRows, levelRules, findings, grids = build root
    let missing =
        [ for f in findings do
              if f.Primary.IsNone && f.Claim.Task <> Dvs && not f.Claim.Extension then
                  $"{f.Claim.Model} on {taskText f.Claim.Task}: {missingReason f}" ]
        |> List.distinct
    if missing.IsEmpty || allowMissing then
        writeText (Path.Combine(root, "REPORT.md")) text
        for g in PaperClaims.grids do
            if grids |> List.exists (fun d -> d.Name = g.Name) then writeText (Path.Combine(root, g.Name, "README.md")) (gridPage root g findings)
        let figure = Path.Combine(root, "paper-vs-ours.png")
        match Plots.paperVsOurs figure Verdicts.margin figureRows with
        | Some _ -> ()
        | None -> if File.Exists figure then File.Delete figure
        let levels = Path.Combine(root, "authors-vs-ours.png")
        match levelRules with
        | [] -> if File.Exists levels then File.Delete levels
        | rules -> Plots.referenceCurves levels "The spiking STDP network on MNIST, in file order: Sbp, the authors' code, the paper" rules |> ignore
    text, missing
