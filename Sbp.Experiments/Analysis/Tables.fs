/// Results tables regenerated from run records only: per configuration (mean ± sd over seeds) and per pair of a
/// rule with its baseline (accuracy gain, the paper's cost metric, counted-operation cost).
module Sbp.Experiments.Tables

open System
open System.Globalization
open System.IO
open System.Text
open Sbp.Experiments.RunRecord

/// Keys that identify a run, not a configuration: replicates of one configuration differ only in these.
let private runKeys = set [ "seed"; "grid"; "experimentId"; "replicate"; "layers" ]
/// Keys that define the learning rule; a rule is compared with the baseline that differs only in these.
let private ruleKeys = set ("rule" :: (Families.all |> List.collect (fun f -> f.Treatment)))

let rec private show (v: Value) =
    match v with
    | Int i -> string i
    | Num f -> f.ToString("G6", CultureInfo.InvariantCulture)
    | Text s -> s
    | Flag b -> if b then "true" else "false"
    | Items xs -> String.Join(" ", xs |> List.map show)
    | Fields kvs -> String.Join(" ", kvs |> List.map (fun (k, v) -> $"{k}={show v}"))

/// The config as dotted key → text (objects flattened: sbp.depth, stdpWindow.tauPlusMs ...).
let flatten (config: (string * Value) list) =
    [ for k, v in config do
          match v with
          | Fields kvs -> for k2, v2 in kvs -> $"{k}.{k2}", show v2
          | _ -> yield k, show v ]

let private root (k: string) = match k.IndexOf '.' with -1 -> k | i -> k.Substring(0, i)

/// One configuration and its replicates.
type Group =
    { Key: (string * string) list
      Runs: Record list
      /// The typed experiment the runs are replicates of (family configuration, seed aside), or why the records
      /// cannot be read as one (written under an earlier schema, a renamed rule or parameter).
      Experiment: Result<Experiment.Experiment, string> }

/// The schema version a record file was written under (records before versioning: 1).
let schemaOf (path: string) = fst (RunRecord.parse path (Files.readText RunRecord.maxBytes path))

/// Raises an IOException when a folder `dir` of a grid is a symbolic link: links are not followed, so that nothing is
/// read, written or deleted outside the results folder.
let private notLinked (dir: string) =
    if Files.isLink dir then raise (IOException $"{dir} is a symbolic link; a grid's folders must lie inside the results folder (links are not followed)")

/// The folder of grid `grid` under the results folder for writing its tables and plots, checked: the name is a grid
/// name (Grid.nameProblem: an ArgumentException otherwise), and neither the grid's folder nor its plots folder is a
/// symbolic link (an IOException).
let gridFolder (resultsRoot: string) (grid: string) =
    match Grid.nameProblem grid with
    | Some why -> invalidArg "grid" why
    | None -> ()
    let dir = Path.Combine(resultsRoot, grid)
    notLinked dir
    notLinked (Path.Combine(dir, "plots"))
    dir

/// Every record of a grid, checked (Records.ofGrid): the valid ones, path and record, and the refused ones, path and
/// reason (temporary files of interrupted writes are never read). The grid is one folder of the results folder (a
/// name that would lead out of it is an ArgumentException; a grid folder that is a symbolic link an IOException).
let loadChecked (resultsRoot: string) (grid: string) =
    if not (Grid.isFolderName grid) then invalidArg "grid" (defaultArg (Grid.nameProblem grid) $"'{grid}' is not a folder name")
    let dir = Path.Combine(resultsRoot, grid)
    notLinked dir
    if not (Directory.Exists dir) then raise (DirectoryNotFoundException $"no results for grid '{grid}' in {dir}")
    Records.ofGrid dir

/// Every valid record of a grid (refused ones are left out: see `loadChecked`).
let load (resultsRoot: string) (grid: string) = fst (loadChecked resultsRoot grid)

/// The refused records as a Markdown list, paths relative to the results folder; empty when there are none.
let refusedSection (resultsRoot: string) (refused: Records.Refused list) =
    if refused.IsEmpty then ""
    else
        let lines = refused |> List.map (fun r -> $"- `{Path.GetRelativePath(resultsRoot, r.Path)}`: {r.Reason}")
        $"\n### Refused records ({refused.Length}, left out of every table)\n\n" + String.Join("\n", lines) + "\n"

/// Sorts parameter values as numbers where they are numbers (also lists of numbers such as hidden = "500 500"),
/// as text otherwise: 1, 6, 11, 16, 21, not 1, 11, 16, 21, 6.
let sortKey (s: string) =
    let parts = s.Split(' ', StringSplitOptions.RemoveEmptyEntries)
    let nums = parts |> Array.map (fun p -> Double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture))
    if parts.Length > 0 && nums |> Array.forall fst then 0, parts.Length, List.ofArray (Array.map snd nums), s
    else 1, 0, [], s

/// The records grouped by their typed configuration without seed (the canonical form the ids hash); a record that
/// cannot be read as a typed configuration is grouped by its written parameters and keeps the reason.
let groups (records: Record list) =
    let columns (r: Record) = flatten r.Config |> List.filter (fun (k, _) -> not (runKeys.Contains(root k)))
    records
    |> List.map (fun r -> r, Families.read r)
    |> List.groupBy (fun (r, e) ->
        match e with
        | Ok e -> Choice1Of2(Experiment.canonical { e with Seed = Experiment.Given })
        | Error _ -> Choice2Of2(columns r))
    |> List.map (fun (_, members) ->
        let runs = members |> List.map fst |> List.sortBy (fun r -> r.Seed)
        { Key = columns runs.Head; Runs = runs; Experiment = snd members.Head })
    |> List.sortBy (fun g -> g.Key |> List.map (fun (k, v) -> k, sortKey v))

/// The keys whose values differ between groups, in order, each kept unless `leaveOut chosen k` says it adds nothing
/// to the keys chosen before it (`determined chosen k`: its value follows from theirs in every group).
let private differing (leaveOut: (string -> bool) -> string -> bool) (gs: Group list) =
    let keys = gs |> List.collect (fun g -> g.Key |> List.map fst) |> List.distinct
    let valueOf k (g: Group) = g.Key |> List.tryFind (fst >> (=) k) |> Option.map snd
    let determined (chosen: string list) k =
        gs
        |> List.groupBy (fun g -> chosen |> List.map (fun c -> valueOf c g))
        |> List.forall (fun (_, members) -> (members |> List.map (valueOf k) |> List.distinct).Length = 1)
    keys
    |> List.filter (fun k -> (gs |> List.map (valueOf k) |> List.distinct).Length > 1)
    |> List.fold (fun chosen k -> if leaveOut (determined chosen) k then chosen else chosen @ [ k ]) []

/// The keys whose values differ between groups: the columns that tell the groups apart. Every such parameter is
/// shown, also one that moves together with another (learning rates zipped with the hidden sizes, say); left out
/// are only keys that restate what the columns already shown say: a part of the rule once the rule's name is shown
/// (baseRule, the spread's settings) and a parameter that only one model family has (its presence follows from
/// the model).
let varying (gs: Group list) =
    let restates k = (ruleKeys.Contains(root k) && k <> "rule") || gs |> List.exists (fun g -> g.Key |> List.exists (fst >> (=) k) |> not)
    differing (fun determined k -> determined k && restates k) gs

/// The varying keys that are set independently: a key whose value follows from those already chosen is left out
/// (the learning rates zipped with the hidden sizes, a model family's own batch size). Figures span and split on
/// these; tables show every varying key.
let distinguishing (gs: Group list) = differing (fun determined k -> determined k) gs

let private value (g: Group) (k: string) = g.Key |> List.tryFind (fst >> (=) k) |> Option.map snd |> Option.defaultValue ""

/// The runs of a group that completed with at least one epoch.
let completed (g: Group) = g.Runs |> List.filter (fun r -> r.Status = Completed && not r.Epochs.IsEmpty)
/// A run's best test accuracy over its epochs.
let bestAcc (r: Record) = r.Epochs |> List.map (fun e -> e.TestAccuracy) |> List.max
let private finalAcc (r: Record) = (List.last r.Epochs).TestAccuracy
let private bestEpoch (r: Record) = (r.Epochs |> List.maxBy (fun e -> e.TestAccuracy)).Epoch
let private errors (r: Record) = r.Epochs |> List.map (fun e -> e.TestError)

/// A percentage with two decimals (accuracies and cost reductions are shown in % everywhere).
let pct (x: float) = (100.0 * x).ToString("F2", CultureInfo.InvariantCulture)
/// Mean ± sample sd in %; the mean alone for a single run (no spread to show).
let pctMeanSd (xs: float list) =
    match xs with
    | [] -> "–"
    | [ x ] -> pct x
    | _ -> let m, sd = Stats.meanSd xs in $"{pct m} ± {pct sd}"

/// The cap the authors' notebooks put on the cost metric's upper level for this group's model and task (its family
/// declares it).
let paperCapOf (g: Group) =
    match Families.all |> List.tryFind (fun f -> f.Name = value g "model"), DataSets.parseName (value g "dataset") with
    | Some f, Ok task -> f.PaperCap task
    | _ -> None

/// The paper's accuracy of a group: 1 − min of the mean test-error curve ± the population sd (docs/SBP-SPEC.md §8).
let paperAccuracyText (g: Group) =
    match completed g with
    | [] -> "–"
    | [ r ] -> let acc, _, _ = Stats.paperAccuracy [ errors r ] in pct acc
    | ok -> let acc, sd, _ = Stats.paperAccuracy (ok |> List.map errors) in $"{pct acc} ± {pct sd}"

/// A rendered table: header and rows of cells.
type Table = { Header: string list; Rows: string list list }

let summary (gs: Group list) =
    let cols = varying gs
    { Header = cols @ [ "runs"; "failed"; "final test acc (%)"; "best test acc (%)"; "paper: 1 − min mean error (%)"; "best epoch"; "ops / epoch" ]
      Rows =
        [ for g in gs do
              let ok = completed g
              let mean f = if ok.IsEmpty then nan else ok |> List.averageBy f
              yield
                  (cols |> List.map (value g))
                  @ [ string ok.Length
                      string (g.Runs.Length - ok.Length)
                      pctMeanSd (ok |> List.map finalAcc)
                      pctMeanSd (ok |> List.map bestAcc)
                      paperAccuracyText g
                      (if ok.IsEmpty then "–" else (mean (bestEpoch >> float)).ToString("F1", CultureInfo.InvariantCulture))
                      (if ok.IsEmpty then "–" else (mean (fun r -> r.Epochs |> List.averageBy (fun e -> float e.SynapticOps))).ToString("E3", CultureInfo.InvariantCulture)) ] ] }

let private pm2 (m: float, sd: float) = m.ToString("F2", CultureInfo.InvariantCulture) + " ± " + sd.ToString("F2", CultureInfo.InvariantCulture)

/// Wall-clock figures, kept apart from the results so that two runs of a grid give identical result tables.
let timings (gs: Group list) =
    let cols = varying gs
    { Header = cols @ [ "runs"; "s / epoch (mean ± sd over runs)"; "s per run" ]
      Rows =
        [ for g in gs do
              let perEpoch = g.Runs |> List.filter (fun r -> not r.Epochs.IsEmpty) |> List.map (fun r -> r.Epochs |> List.averageBy (fun e -> e.Seconds))
              let perRun = g.Runs |> List.map (fun r -> r.Epochs |> List.sumBy (fun e -> e.Seconds))
              let m, sd = Stats.meanSd perEpoch
              yield
                  (cols |> List.map (value g))
                  @ [ string g.Runs.Length
                      (match perEpoch with
                       | [] -> "–"
                       | [ x ] -> x.ToString("F2", CultureInfo.InvariantCulture)
                       | _ -> pm2 (m, sd))
                      (if perRun.IsEmpty then "–" else (List.average perRun).ToString("F1", CultureInfo.InvariantCulture)) ] ] }

/// One rule against its baseline, replicate by replicate.
/// What one replicate pair (a rule's run and its baseline's run, one seed) measures.
type PairMeasure =
    { /// Δ best test metric, rule − baseline (a fraction).
      Delta: float
      /// The paper's cost reduction on this pair's two curves (a fraction).
      Reduction: float
      /// The mean epochs-to-levels of the baseline's and the rule's curve.
      BaseEpochs: float
      RuleEpochs: float
      /// The reduction of counted operations to the lower of the two best accuracies, where both reach it.
      OpsReduction: float option }

type Pair =
    { Rule: Group
      Baseline: Group
      /// Per replicate pair, what it measures.
      Pairs: PairMeasure list
      /// The runs behind each pair, in the same order: (baseline run, rule run) of one replicate.
      Runs: (Record * Record) list }

/// Which replicate of its configuration a run is (its seed when the grid gave none).
let replicateOf (r: Record) =
    r.Config |> List.tryFind (fst >> (=) "replicate") |> Option.map (snd >> show) |> Option.defaultValue (string r.Seed)

/// The id of a run: its record's, else the id of the experiment it reads back as.
let runId (r: Record) =
    match r.Config |> List.tryFind (fst >> (=) "experimentId") with
    | Some(_, Text id) -> Some id
    | _ -> Families.read r |> Result.toOption |> Option.map Experiment.id

/// The experiment a run is compared against (its family's baseline of the same replicate), None for a baseline.
let baselineOf (e: Experiment.Experiment) =
    Families.all |> List.tryFind (fun f -> f.Name = e.Model.Family) |> Option.bind (fun f -> f.Baseline e)

/// The groups whose runs a typed query selects.
let select (query: Experiment.Experiment -> bool) (gs: Group list) =
    gs |> List.filter (fun g -> match g.Experiment with Ok e -> query e | Error _ -> false)

/// A comparison of a group with its baseline: the pair, or why there is none (no baseline runs); None for a
/// baseline itself or a group that cannot be read.
let compareWithBaseline (costCap: float option) (gs: Group list) (g: Group) =
    match g.Experiment with
    | Error _ -> None
    | Ok e ->
        match baselineOf e with
        | None -> None
        | Some b ->
            let canonical = Experiment.canonical { b with Seed = Experiment.Given }
            let found =
                gs |> List.tryFind (fun x -> match x.Experiment with Ok x -> Experiment.canonical { x with Seed = Experiment.Given } = canonical | Error _ -> false)
            match found with
            | None -> Some(Error $"{Experiment.label e} ({Experiment.id e}): no runs of its baseline {Experiment.label b} ({Experiment.id b})")
            | Some bg ->
                let byId = completed bg |> List.choose (fun r -> runId r |> Option.map (fun id -> id, r)) |> Map.ofList
                let matched =
                    [ for r in completed g do
                          match Families.read r |> Result.toOption |> Option.bind baselineOf |> Option.bind (fun b -> byId.TryFind(Experiment.id b)) with
                          | Some base' ->
                              let ea, eb, reduction = Stats.paperCost costCap (errors base') (errors r)
                              let target = min (bestAcc base') (bestAcc r)
                              let ops =
                                  match Stats.opsToTarget target base'.Epochs, Stats.opsToTarget target r.Epochs with
                                  | Some a, Some b -> Some(1.0 - float b / float a)
                                  | _ -> None
                              yield { Delta = bestAcc r - bestAcc base'; Reduction = reduction; BaseEpochs = ea; RuleEpochs = eb; OpsReduction = ops }, (base', r)
                          | None -> () ]
                Some(Ok { Rule = g; Baseline = bg; Pairs = List.map fst matched; Runs = List.map snd matched })

/// Pairs every group of a rule with its baseline's group (the family's `Baseline` of its typed configuration), run
/// by run: a run with the baseline run of the same replicate, found by the baseline experiment's id.
let pairs (costCap: float option) (gs: Group list) =
    gs |> List.choose (compareWithBaseline costCap gs) |> List.choose Result.toOption

/// The groups whose baseline has no runs in the grid, each named.
let missingBaselines (gs: Group list) =
    gs |> List.choose (compareWithBaseline None gs) |> List.choose (function Error m -> Some m | Ok _ -> None)

/// The records of a grid that cannot be read as the current typed configurations, each with its reason.
let unreadable (gs: Group list) =
    [ for g in gs do
          match g.Experiment with
          | Error reason -> for r in g.Runs -> $"{defaultArg (runId r) (replicateOf r)}: {reason}"
          | Ok _ -> () ]

/// A signed difference in percentage points.
let private signedPoints (x: float) =
    let p = 100.0 * x
    // an exact zero reads "0"; a small difference keeps its digits instead of showing as an ambiguous +0.00
    if p = 0.0 then "0"
    elif abs p < 0.00005 then (if p > 0.0 then "+0.0000" else "-0.0000")
    elif abs p < 0.01 then p.ToString("+0.0###;-0.0###", CultureInfo.InvariantCulture)
    else p.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)

let private capText (cap: float option) = match cap with Some c -> $"cap {pct c}%%" | None -> "no cap"

let pairTable (ps: Pair list) (gs: Group list) =
    let cols = varying gs |> List.filter (fun k -> not (ruleKeys.Contains(root k)))
    // the rule's own settings that vary independently (a spread's strength and range) go into its cell, so that two
    // rows of one rule can be told apart
    let settings = varying gs |> List.filter (fun k -> ruleKeys.Contains(root k) && k <> "rule")
    let ruleCell (g: Group) =
        match [ for k in settings do let v = value g k in if v <> "–" && v <> "" then yield $"{k}={v}" ] with
        | [] -> value g "rule"
        | xs -> $"""{value g "rule"} ({String.Join(", ", xs)})"""
    { Header =
        cols
        @ [ "rule"; "pairs"; "Δ best acc (points, 95% t interval)"; "paired t p"; "cost reduction, authors' form (%, 95% Fieller)"
            "epochs to levels (base → rule)"; "cost reduction of mean curves (%)"; "ops-to-target reduction (%)"; "ΔAcc / ΔCost" ]
      Rows =
        [ for p in ps do
              let n = p.Pairs.Length
              let dAcc = p.Pairs |> List.map (fun m -> m.Delta)
              let ops = p.Pairs |> List.choose (fun m -> m.OpsReduction)
              let d = Inference.tInterval dAcc
              let om, _ = Stats.meanSd ops
              let ratio =
                  if ops.IsEmpty || om = 0.0 then "–"
                  elif d.Mean = 0.0 then "0"
                  else (d.Mean / om).ToString("G3", CultureInfo.InvariantCulture)
              let cap = paperCapOf p.Rule
              let curves = p.Runs |> List.map (fun (b, r) -> errors b, errors r)
              let authors =
                  match Inference.authorsCost cap curves with
                  | None -> "–"
                  | Some c ->
                      let interval = if Double.IsNaN c.Low then "" else $" [{pct c.Low}, {pct c.High}]"
                      let ceiling = if c.AtCeiling then " (at the ceiling: a bound)" else ""
                      $"{pct c.Reduction}{interval}{ceiling}"
              let ea = if n = 0 then nan else p.Pairs |> List.averageBy (fun m -> m.BaseEpochs)
              let eb = if n = 0 then nan else p.Pairs |> List.averageBy (fun m -> m.RuleEpochs)
              let meanCurves = if curves.IsEmpty then "–" else $"{pct (Inference.meanCurveCost cap curves)} ({capText cap})"
              let firstReading = if n > 0 && n < 5 then " (a first reading)" else ""
              yield
                  (cols |> List.map (value p.Rule))
                  @ [ ruleCell p.Rule
                      string n + firstReading
                      (match n with
                       | 0 -> "–"
                       | 1 -> signedPoints d.Mean
                       | _ -> $"{signedPoints d.Mean} [{signedPoints d.Low}, {signedPoints d.High}]")
                      (if n < 2 then "–" else (Inference.pairedP dAcc).ToString("F3", CultureInfo.InvariantCulture))
                      authors
                      (if n = 0 then "–" else $"{ea:F1} → {eb:F1}")
                      meanCurves
                      pctMeanSd ops
                      ratio ] ] }

let markdown (t: Table) =
    let sb = StringBuilder()
    let line (cells: string list) = sb.AppendLine("| " + String.Join(" | ", cells |> List.map (fun c -> c.Replace("|", "\\|"))) + " |") |> ignore
    line t.Header
    line (t.Header |> List.map (fun _ -> "---"))
    for r in t.Rows do line r
    sb.ToString()

let csv (t: Table) =
    let quote (c: string) = if c.IndexOfAny [| ','; '"'; '\n' |] >= 0 then "\"" + c.Replace("\"", "\"\"") + "\"" else c
    let sb = StringBuilder()
    for r in t.Header :: t.Rows do sb.AppendLine(String.Join(",", r |> List.map quote)) |> ignore
    sb.ToString()

/// Writes table.md/.csv, pairs.md/.csv and timings.md/.csv for a grid (atomically) and returns the Markdown and the
/// groups. A record that cannot be read as a typed configuration is an error naming it; a rule whose baseline has no runs is listed under "Missing baselines". A refused record
/// (Records) is skipped and listed, one line with its path and reason, under "Refused records". Only the grid's own
/// folder is written (`gridFolder`), each file through a temporary file of this call's own, renamed into place, so
/// that several processes writing one grid's tables at once never collide.
let write (resultsRoot: string) (grid: string) (costCap: float option) =
    let dir = gridFolder resultsRoot grid
    let valid, refused = loadChecked resultsRoot grid
    let records = valid |> List.map snd
    let gs = groups records
    match unreadable gs with
    | [] -> ()
    | problems ->
        raise (InvalidDataException($"""grid {grid}: {problems.Length} record(s) cannot be read as typed configurations: {String.Join("; ", problems)}"""))
    let summaryTable = summary gs
    let pairTable = pairTable (pairs costCap gs) gs
    let missing = missingBaselines gs
    // a temporary file of this process's own (RunRecord.writeAtomically), renamed over the table: tables written by
    // several processes at once never share a temporary file, and each table is some process's whole table
    let save (name: string) (text: string) = RunRecord.writeAtomically (Path.Combine(dir, name)) text
    let missingSection =
        if missing.IsEmpty then ""
        else "### Missing baselines\n\n" + String.Join("", missing |> List.map (fun m -> $"- {m}\n")) + "\n"
    save "table.md" (markdown summaryTable)
    save "table.csv" (csv summaryTable)
    // a section without rows is not written (and an earlier one is removed): no empty "against its baseline" table
    let saveOrRemove (name: string) (text: string) =
        if text = "" then File.Delete(Path.Combine(dir, name)) else save name text
    saveOrRemove "pairs.md" ((if pairTable.Rows.IsEmpty then "" else markdown pairTable) + missingSection)
    saveOrRemove "pairs.csv" (if pairTable.Rows.IsEmpty then "" else csv pairTable)
    let timingTable = timings gs
    save "timings.md" (markdown timingTable)
    save "timings.csv" (csv timingTable)
    let pairSection = if pairTable.Rows.IsEmpty then "" else $"### Each rule against its baseline\n\n{markdown pairTable}\n"
    $"## {grid}: {records.Length} runs\n\nAccuracies in %% (NETtalk: cosine similarity in %%), mean ± sample sd over seeds.\n\n{markdown summaryTable}\n{pairSection}{missingSection}### Wall-clock time\n\n{markdown timingTable}{refusedSection resultsRoot refused}", gs
