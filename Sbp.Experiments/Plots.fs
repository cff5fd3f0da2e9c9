/// Plots (ScottPlot 5, PNG, headless) regenerated from run records and artifacts: learning curves with ±sd
/// bands, a heat map for grids that vary two parameters, weight histograms and spike rasters.
module Sbp.Experiments.Plots

open System
open System.IO
open ScottPlot
open Sbp.Experiments.Tables

let private size = 900, 560

let private groupLabel (cols: string list) (g: Group) =
    let v k = g.Key |> List.tryFind (fst >> (=) k) |> Option.map snd |> Option.defaultValue ""
    if cols.IsEmpty then v "rule" else String.Join(", ", cols |> List.map (fun k -> $"{k}={v k}"))

/// Mean test accuracy per epoch of every configuration, with a ±sd band over its seeds.
let learningCurves (path: string) (title: string) (gs: Group list) =
    use plot = new Plot()
    let cols = varying gs
    let palette = ScottPlot.Palettes.Category10()
    for i, g in List.indexed gs do
        let runs = g.Runs |> List.filter (fun r -> not r.Epochs.IsEmpty)
        if not runs.IsEmpty then
            let epochs = runs |> List.map (fun r -> r.Epochs.Length) |> List.min
            let xs = [| for e in 1 .. epochs -> float e |]
            let stats = [| for e in 0 .. epochs - 1 -> Stats.meanSd [ for r in runs -> r.Epochs[e].TestAccuracy ] |]
            let mean = stats |> Array.map fst
            let color = palette.GetColor i
            if runs.Length > 1 then
                let band = plot.Add.FillY(xs, stats |> Array.map (fun (m, s) -> m - s), stats |> Array.map (fun (m, s) -> m + s))
                band.FillColor <- color.WithAlpha 0.2
                band.LineColor <- Colors.Transparent
            let line = plot.Add.Scatter(xs, mean, color)
            line.LegendText <- $"{groupLabel cols g} (n={runs.Length})"
    let longest = gs |> List.collect (fun g -> g.Runs |> List.map (fun r -> r.Epochs.Length)) |> List.fold max 1
    let step = max 1 (longest / 10)
    plot.Axes.Bottom.SetTicks([| for e in 1 .. step .. longest -> float e |], [| for e in 1 .. step .. longest -> string e |])
    plot.Title title
    plot.XLabel "epoch"
    let nettalk = gs |> List.forall (fun g -> g.Key |> List.contains ("dataset", "nettalk"))
    plot.YLabel(if nettalk then "test cosine similarity" else "test accuracy")
    plot.ShowLegend(Alignment.LowerRight) |> ignore
    plot.SavePng(path, fst size, snd size) |> ignore

/// Draws a labelled heat map of values[row, col] (NaN cells left empty).
let private labelledHeatmap (path: string) (title: string) (rowKey: string) (rows: string list) (colKey: string) (cols: string list) (values: float[,]) =
    use plot = new Plot()
    let hm = plot.Add.Heatmap values
    plot.Add.ColorBar(hm, Edge.Right) |> ignore
    for i in 0 .. rows.Length - 1 do
        for j in 0 .. cols.Length - 1 do
            if not (Double.IsNaN values[i, j]) then
                plot.Add.Text($"{values[i, j]:F3}", float j, float (rows.Length - 1 - i)) |> ignore
    plot.Axes.Bottom.SetTicks([| for j in 0 .. cols.Length - 1 -> float j |], Array.ofList cols)
    plot.Axes.Left.SetTicks([| for i in 0 .. rows.Length - 1 -> float (rows.Length - 1 - i) |], Array.ofList rows)
    plot.Title title
    plot.XLabel colKey
    plot.YLabel rowKey
    plot.SavePng(path, fst size, snd size) |> ignore

/// Mean best test accuracy over a grid that varies exactly two parameters (rows: the first, columns: the second).
let heatmap (path: string) (title: string) (gs: Group list) =
    match varying gs with
    | [ rowKey; colKey ] ->
        let v k (g: Group) = g.Key |> List.find (fst >> (=) k) |> snd
        let rows = gs |> List.map (v rowKey) |> List.distinct
        let cols = gs |> List.map (v colKey) |> List.distinct
        let cell r c =
            match gs |> List.tryFind (fun g -> v rowKey g = r && v colKey g = c) with
            | Some g ->
                let best = g.Runs |> List.filter (fun x -> not x.Epochs.IsEmpty) |> List.map (fun x -> x.Epochs |> List.map (fun e -> e.TestAccuracy) |> List.max)
                if best.IsEmpty then nan else List.average best
            | None -> nan
        Some(rowKey, rows, colKey, cols, Array2D.init rows.Length cols.Length (fun i j -> cell rows[i] cols[j]))
    | _ -> None
    |> Option.map (fun (rowKey, rows, colKey, cols, values) -> labelledHeatmap path title rowKey rows colKey cols values)
    |> Option.isSome

/// For grids whose rule/baseline pairs vary two parameters (say n_free × n_nudge): heat maps of the mean accuracy
/// gain and of the paper's cost reduction, one pair of maps per rule and per value of any other varying parameter.
let pairHeatmaps (dir: string) (grid: string) (ps: Pair list) =
    [ for rule, rulePairs in ps |> List.groupBy (fun p -> p.Rule.Key |> List.find (fst >> (=) "rule") |> snd) do
          let groups = rulePairs |> List.map (fun p -> p.Rule)
          let keys = varying groups |> List.filter (fun k -> k <> "rule")
          if keys.Length >= 2 then
              let rowKey, colKey = keys[keys.Length - 2], keys[keys.Length - 1]
              let others = keys |> List.take (keys.Length - 2)
              let v k (g: Group) = g.Key |> List.tryFind (fst >> (=) k) |> Option.map snd |> Option.defaultValue ""
              let sortKey (s: string) = match Double.TryParse(s, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with | true, x -> x, s | _ -> infinity, s
              for panel, panelPairs in rulePairs |> List.groupBy (fun p -> others |> List.map (fun k -> v k p.Rule)) do
                  let rows = panelPairs |> List.map (fun p -> v rowKey p.Rule) |> List.distinct |> List.sortBy sortKey
                  let cols = panelPairs |> List.map (fun p -> v colKey p.Rule) |> List.distinct |> List.sortBy sortKey
                  let cell (f: float * float * float * float * float option -> float) r c =
                      match panelPairs |> List.tryFind (fun p -> v rowKey p.Rule = r && v colKey p.Rule = c) with
                      | Some p when not p.Pairs.IsEmpty -> p.Pairs |> List.averageBy f
                      | _ -> nan
                  let name = String.Join("-", rule :: panel) |> fun s -> s.Replace(' ', '_').Replace('/', '_')
                  let suffix = if panel.IsEmpty then "" else " (" + String.Join(", ", List.zip others panel |> List.map (fun (k, x) -> $"{k}={x}")) + ")"
                  let acc = Path.Combine(dir, $"delta-accuracy-{name}.png")
                  labelledHeatmap acc $"{grid}: Δ best test accuracy, {rule} − baseline{suffix}" rowKey rows colKey cols
                      (Array2D.init rows.Length cols.Length (fun i j -> cell (fun (d, _, _, _, _) -> d) rows[i] cols[j]))
                  let cost = Path.Combine(dir, $"cost-reduction-{name}.png")
                  labelledHeatmap cost $"{grid}: paper cost reduction, {rule} vs baseline{suffix}" rowKey rows colKey cols
                      (Array2D.init rows.Length cols.Length (fun i j -> cell (fun (_, c, _, _, _) -> c) rows[i] cols[j]))
                  yield acc
                  yield cost ]

/// For grids that sweep a numeric parameter (a replacement proportion, a number of layers): mean best test
/// accuracy (± sd over seeds) against it, one line per combination of the other varying parameters.
let sweep (path: string) (title: string) (gs: Group list) =
    let keys = varying gs
    let v k (g: Group) = g.Key |> List.tryFind (fst >> (=) k) |> Option.map snd |> Option.defaultValue ""
    let numeric k = gs |> List.forall (fun g -> fst (Double.TryParse(v k g, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture)))
    let parse (s: string) = Double.Parse(s, Globalization.CultureInfo.InvariantCulture)
    match keys |> List.filter numeric |> List.sortByDescending (fun k -> (gs |> List.map (v k) |> List.distinct).Length) with
    | xKey :: _ when (gs |> List.map (v xKey) |> List.distinct).Length >= 3 ->
        use plot = new Plot()
        let palette = ScottPlot.Palettes.Category10()
        let others = keys |> List.filter ((<>) xKey)
        for i, (series, members) in List.indexed (gs |> List.groupBy (fun g -> others |> List.map (fun k -> v k g))) do
            let points =
                members
                |> List.choose (fun g ->
                    let best = g.Runs |> List.filter (fun r -> not r.Epochs.IsEmpty) |> List.map (fun r -> r.Epochs |> List.map (fun e -> e.TestAccuracy) |> List.max)
                    if best.IsEmpty then None else Some(parse (v xKey g), Stats.meanSd best))
                |> List.sortBy fst
            if not points.IsEmpty then
                let xs = points |> List.map fst |> Array.ofList
                let line = plot.Add.Scatter(xs, points |> List.map (snd >> fst) |> Array.ofList, palette.GetColor i)
                line.LegendText <- if others.IsEmpty then "best test accuracy" else String.Join(", ", List.zip others series |> List.map (fun (k, x) -> $"{k}={x}"))
                if points |> List.exists (fun (_, (_, sd)) -> sd > 0.0) then
                    let band = plot.Add.FillY(xs, points |> List.map (fun (_, (m, sd)) -> m - sd) |> Array.ofList, points |> List.map (fun (_, (m, sd)) -> m + sd) |> Array.ofList)
                    band.FillColor <- (palette.GetColor i).WithAlpha 0.2
                    band.LineColor <- Colors.Transparent
        plot.Title title
        plot.XLabel xKey
        plot.YLabel "best test accuracy"
        plot.ShowLegend(Alignment.LowerLeft) |> ignore
        plot.SavePng(path, fst size, snd size) |> ignore
        true
    | _ -> false

/// Histograms of the trained weights of every layer of one run.
let weights (path: string) (title: string) (a: Artifacts.Artifacts) =
    use plot = new Plot()
    let palette = ScottPlot.Palettes.Category10()
    for h in a.Weights do
        let xs = Array.init h.Counts.Length (fun b -> h.Lower + (float b + 0.5) * h.Width)
        let total = float (Array.sum h.Counts)
        let line = plot.Add.Scatter(xs, h.Counts |> Array.map (fun c -> float c / total), palette.GetColor h.Layer)
        line.MarkerSize <- 0.0f
        line.LegendText <- $"W{h.Layer}"
    plot.Title title
    plot.XLabel "weight"
    plot.YLabel "fraction of synapses"
    plot.ShowLegend() |> ignore
    plot.SavePng(path, fst size, snd size) |> ignore

/// Spikes of the first hidden layer during the feedforward phase of a few test samples (one row per neuron,
/// samples side by side in time).
let raster (path: string) (title: string) (a: Artifacts.Artifacts) =
    use plot = new Plot()
    let palette = ScottPlot.Palettes.Category10()
    for sample in 0 .. a.RasterSamples - 1 do
        let spikes = a.Raster |> List.filter (fun s -> s.Layer = 1 && s.Sample = sample)
        if not spikes.IsEmpty then
            let xs = spikes |> List.map (fun s -> float (sample * a.Steps + s.Step)) |> Array.ofList
            let ys = spikes |> List.map (fun s -> float s.Neuron) |> Array.ofList
            plot.Add.Markers(xs, ys, MarkerShape.FilledSquare, 2.0f, Nullable(palette.GetColor sample)) |> ignore
    plot.Title title
    plot.XLabel $"time step (samples side by side, {a.Steps} steps each)"
    plot.YLabel "hidden neuron"
    plot.SavePng(path, fst size, snd size) |> ignore

/// Every plot of a grid into results/<grid>/plots/; returns the files written.
let write (resultsRoot: string) (grid: string) (costCap: float option) (gs: Group list) =
    let dir = Path.Combine(resultsRoot, grid, "plots")
    Directory.CreateDirectory dir |> ignore
    // a regeneration replaces every plot: none of an earlier, different grid is left behind
    for old in Directory.GetFiles(dir, "*.png") do File.Delete old
    let written = Collections.Generic.List<string>()
    let curves = Path.Combine(dir, "learning-curves.png")
    learningCurves curves $"{grid}: test accuracy, mean ± sd over seeds" gs
    written.Add curves
    let hm = Path.Combine(dir, "heatmap.png")
    if heatmap hm $"{grid}: mean best test accuracy" gs then written.Add hm
    written.AddRange(pairHeatmaps dir grid (pairs costCap gs))
    let sw = Path.Combine(dir, "sweep.png")
    if sweep sw $"{grid}: best test accuracy" gs then written.Add sw
    let cols = varying gs
    // weights and rasters of the first few configurations: enough to look at, small enough to commit
    for i, g in List.indexed (gs |> List.truncate 4) do
        match g.Runs |> List.tryHead with
        | Some r ->
            let eid = r.Config |> List.tryFind (fst >> (=) "experimentId") |> Option.map (snd >> function RunRecord.Text s -> s | _ -> "")
            let artifacts =
                eid
                |> Option.map (fun eid -> Path.Combine(resultsRoot, grid, eid, "artifacts.json"))
                |> Option.filter File.Exists
                // a bad artifacts file is skipped here (the runner regenerates it on the grid's next run)
                |> Option.bind (fun apath -> try Some(Artifacts.read apath) with :? InvalidDataException | :? IOException -> None)
            match artifacts with
            | Some a ->
                let label = groupLabel cols g
                let w = Path.Combine(dir, $"weights-{i + 1}.png")
                weights w $"weights after training: {label}" a
                written.Add w
                if a.RasterSamples > 0 && i < 2 then
                    let s = Path.Combine(dir, $"raster-{i + 1}.png")
                    raster s $"hidden-layer spikes, {a.RasterSamples} test samples: {label}" a
                    written.Add s
            | _ -> ()
        | None -> ()
    List.ofSeq written
