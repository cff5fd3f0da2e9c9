/// Figures (ScottPlot 5, PNG, headless) regenerated from run records and artifacts. Every figure is a grid of
/// panels, one per (model, task) and whatever else keeps a panel readable, each with its own metric and unit;
/// legends sit outside the data area; numeric parameters are sorted and ticked as numbers; signed quantities use a
/// diverging colour map centred on zero, with cell text that contrasts with its cell and says n or an interval.
module Sbp.Experiments.Plots

open System
open System.Globalization
open System.IO
open ScottPlot
open SkiaSharp
open Sbp.Experiments.Tables

/// Where a panel's data area and legend landed in the composed image (pixels): what the layout tests check.
type PanelLayout = { Figure: PixelRect; Data: PixelRect; Legend: PixelRect option }

/// A written figure: its file, its size and the layout of its panels.
type Figure = { Path: string; Width: int; Height: int; Panels: PanelLayout list }

let private inv = CultureInfo.InvariantCulture
let private panelWidth, panelHeight = 640, 430
let private titleHeight = 44

// ---- words for keys and values -------------------------------------------------------------------------------

/// An axis name in words, with its unit, for a configuration key.
let axisName (key: string) =
    match key with
    | "freeIterations" -> "free-phase iterations n_free"
    | "nudgeIterations" -> "nudged-phase iterations n_nudge"
    | "sbp.depth" -> "SBP depth (layers reached)"
    | "hidden" -> "hidden layers (neurons per layer)"
    | "replace" -> "share of hidden gradients replaced"
    | "dataset" -> "task"
    | "model" -> "model"
    | "rule" -> "learning rule"
    | "epochs" -> "epochs"
    | "batchSize" -> "batch size (samples)"
    | "beta" -> "nudging strength β"
    | "timeWindowMs" -> "time window (ms)"
    | k ->
        // camelCase and dotted keys into words: sbp.lambdaPre -> "sbp lambda pre"
        let sb = Text.StringBuilder()
        for c in k.Replace('.', ' ') do
            if Char.IsUpper c then sb.Append(' ').Append(Char.ToLowerInvariant c) |> ignore else sb.Append c |> ignore
        sb.ToString()

/// A short name for legends and panel titles.
let shortName (key: string) =
    match key with
    | "freeIterations" -> "n_free"
    | "nudgeIterations" -> "n_nudge"
    | "sbp.depth" -> "SBP depth"
    | "sbp.fraction" -> "f"
    | "sbp.range" -> "range"
    | "hidden" -> "hidden"
    | "replace" -> "replaced"
    | "dataset" -> "task"
    | k -> axisName k

let modelName (m: string) =
    match m with
    | "snn" -> "spiking STDP network"
    | "eqprop" -> "equilibrium propagation"
    | "smlp" -> "spiking MLP"
    | other -> other

let taskName (t: string) =
    match t with
    | "mnist" -> "MNIST"
    | "mnist-10k" -> "MNIST (10k subset)"
    | "fashion" -> "Fashion-MNIST"
    | "nettalk" -> "NETtalk"
    | "dvs" -> "DVS Gesture"
    | other -> other

/// A value as a reader reads it: hidden = "500 500" as 500-500, tasks and models by name.
let valueText (key: string) (v: string) =
    match key with
    | "hidden" -> v.Replace(' ', '-')
    | "dataset" -> taskName v
    | "sbp.range" when v.StartsWith "topFraction=" ->
        // as the spread's own label says it: the top 5% of neurons
        match Double.TryParse(v.Substring "topFraction=".Length, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, r -> let percent = (100.0 * r).ToString("0.###", CultureInfo.InvariantCulture) in $"top {percent}%%"
        | _ -> v
    | "model" -> modelName v
    | _ -> v

/// The metric a task is scored by, with its unit.
let metricName (task: string) =
    let metric = DataSets.parseName task |> Result.map DataSets.metricOf |> Result.defaultValue DataSets.Accuracy
    $"test {DataSets.metricText metric} (%%)"

let private valueOf (k: string) (g: Group) = g.Key |> List.tryFind (fst >> (=) k) |> Option.map snd |> Option.defaultValue ""

let private tryNumber (s: string) =
    match Double.TryParse(s, NumberStyles.Float, inv) with
    | true, x -> Some x
    | _ -> None

let private numericKey (gs: Group list) (k: string) = gs |> List.forall (fun g -> (tryNumber (valueOf k g)).IsSome)

/// A group in words by the given keys; a key the group does not have (backprop has no replaced share) is left out.
let private describe (keys: string list) (g: Group) =
    let words k = match valueOf k g with "" -> None | v when k = "rule" -> Some v | v -> Some $"{shortName k} {valueText k v}"
    String.Join(", ", keys |> List.choose words)

/// A signed number that never reads as an ambiguous 0.00: exact zeros are "0", small values keep their digits.
let signedText (x: float) =
    if Double.IsNaN x then ""
    elif x = 0.0 then "0"
    elif abs x < 0.0005 then (if x > 0.0 then "+0.000" else "-0.000")
    elif abs x < 0.01 then x.ToString("+0.0##;-0.0##", inv)
    else x.ToString("+0.00;-0.00", inv)

let private plainText (x: float) = if Double.IsNaN x then "" else x.ToString("F2", inv)

// ---- panels and their composition ----------------------------------------------------------------------------

type private Panel = { Plot: Plot; LegendPanel: Panels.LegendPanel option }

let private newPanel (title: string) (xLabel: string) (yLabel: string) =
    let p = new Plot()
    // the title is centred over the data area, which a legend panel narrows: a long title is set smaller
    p.Title(title, Nullable(if title.Length <= 44 then 15.0f else max 9.0f (15.0f * 44.0f / float32 title.Length)))
    p.XLabel(xLabel, Nullable 13.0f)
    p.YLabel(yLabel, Nullable 13.0f)
    // a little room between the rotated y label and the tick labels (an underscore in n_free would touch them)
    match p.Axes.Left with
    | :? AxisPanels.AxisBase as axis -> axis.LabelOffsetX <- -4.0f
    | _ -> ()
    p

/// The width in pixels of a text in the plots' font at `size` points.
let private textWidth (size: float32) (text: string) =
    use font = new SKFont(SKTypeface.FromFamilyName(Fonts.Default), size)
    font.MeasureText text

/// The legend's font size, and the room its frame, symbol and padding take beside the longest text (pixels).
let private legendFont, legendFrame = 11.0f, 48.0f

/// Sets a panel's title at the largest size up to 15 pt (at least 9) that fits `room` pixels: the width of the data
/// area it is centred over.
let private fitTitle (p: Plot) (title: string) (room: float32) =
    p.Title(title, Nullable(max 9.0f (min 15.0f (15.0f * room / textWidth 15.0f title))))

/// Moves the legend to a panel right of the data area (never over the data).
let private legendOutside (p: Plot) =
    let lp = p.ShowLegend(Edge.Right)
    p.Legend.FontSize <- Nullable legendFont
    { Plot = p; LegendPanel = Some lp }

let private noLegend (p: Plot) = { Plot = p; LegendPanel = None }

/// Renders panels into one PNG, `cols` to a row, under a figure title; returns where everything landed.
let private composeSized (panelWidth: int, panelHeight: int) (path: string) (title: string) (cols: int) (panels: Panel list) =
    let cols = max 1 (min cols panels.Length)
    let rows = (panels.Length + cols - 1) / cols
    let width, height = cols * panelWidth, titleHeight + rows * panelHeight
    use surface = SKSurface.Create(SKImageInfo(width, height))
    let canvas = surface.Canvas
    canvas.Clear SKColors.White
    let layouts =
        [ for i, panel in List.indexed panels do
              let left = float32 ((i % cols) * panelWidth)
              let top = float32 (titleHeight + (i / cols) * panelHeight)
              let rect = PixelRect(left, left + float32 panelWidth, top + float32 panelHeight, top)
              // each panel is rendered on its own and drawn in its cell (a plot clears the canvas it renders on),
              // with a gutter so that one panel's colour-bar label does not run into its neighbour's axis label
              let gutter = 24
              let png = panel.Plot.GetImageBytes(panelWidth - gutter, panelHeight, ImageFormat.Png)
              use image = SKImage.FromEncodedData png
              let x0 = left + float32 (gutter / 2)
              canvas.DrawImage(image, x0, top)
              let last = panel.Plot.LastRender
              let shift (r: PixelRect) = PixelRect(r.Left + x0, r.Right + x0, r.Bottom + top, r.Top + top)
              let legend =
                  panel.LegendPanel
                  |> Option.bind (fun lp ->
                      match last.Layout.PanelOffsets.TryGetValue lp, last.Layout.PanelSizes.TryGetValue lp with
                      | (true, offset), (true, size) when size > 0.0f ->
                          use image = panel.Plot.GetLegendImage()
                          let x0 = last.DataRect.Right + offset
                          let yMid = (last.DataRect.Top + last.DataRect.Bottom) / 2.0f
                          let h = float32 image.Height
                          Some(shift (PixelRect(x0, x0 + float32 image.Width, yMid + h / 2.0f, yMid - h / 2.0f)))
                      | _ -> None)
              yield { Figure = rect; Data = shift last.DataRect; Legend = legend } ]
    use font = new SKFont(SKTypeface.FromFamilyName(Fonts.Default), 20.0f)
    // a title wider than the figure is set smaller rather than cut
    let measured = font.MeasureText title
    if measured > float32 width - 20.0f then font.Size <- max 9.0f (20.0f * (float32 width - 20.0f) / measured)
    use paint = new SKPaint(Color = SKColors.Black, IsAntialias = true)
    canvas.DrawText(title, float32 width / 2.0f, 30.0f, SKTextAlign.Center, font, paint)
    use image = surface.Snapshot()
    use data = image.Encode(SKEncodedImageFormat.Png, 100)
    // a temporary file of this process's own, renamed over the figure: figures written by several processes at once
    // never share a temporary file
    let tmp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}"
    try
        do
            use file = File.Create tmp
            data.SaveTo file
        File.Move(tmp, path, true)
    finally
        if File.Exists tmp then (try File.Delete tmp with _ -> ())
    for p in panels do p.Plot.Dispose()
    { Path = path; Width = width; Height = height; Panels = layouts }

let private compose = composeSized (panelWidth, panelHeight)

/// Integer ticks at the values themselves when few, else automatic ticks restricted to integers.
let private tickAt (axis: IXAxis) (values: float list) =
    let values = values |> List.distinct |> List.sort
    if values.Length <= 12 then
        let labels = values |> List.map (fun v -> if v = Math.Round v then string (int64 v) else v.ToString("G4", inv))
        axis.SetTicks(Array.ofList values, Array.ofList labels)
    elif values |> List.forall (fun v -> v = Math.Round v) then
        axis.TickGenerator <- TickGenerators.NumericAutomatic(IntegerTicksOnly = true)

/// A qualitative palette with at least `n` distinct colours (never repeating within a panel of ≤ 20 series).
let private paletteFor (n: int) : IPalette = if n <= 10 then Palettes.Category10() else Palettes.Category20()

/// Splits groups into panels: (model, task) first, then further keys (fewest values first) until no panel holds
/// more than `maxSeries` series. Returns the facet keys, the series keys and the panels.
let private facets (maxSeries: int) (fixedFacets: string list) (gs: Group list) =
    let keys = distinguishing gs
    let facetKeys0 = fixedFacets |> List.filter (fun k -> List.contains k keys)
    let rest = keys |> List.filter (fun k -> not (List.contains k facetKeys0))
    let distinct k = (gs |> List.map (valueOf k) |> List.distinct).Length
    let rec split (facetKeys: string list) (seriesKeys: string list) =
        let panels = gs |> List.groupBy (fun g -> facetKeys |> List.map (fun k -> valueOf k g)) |> List.sortBy (fst >> List.map sortKey)
        let widest = panels |> List.map (fun (_, m) -> m.Length) |> List.fold max 0
        match seriesKeys |> List.sortBy distinct with
        | smallest :: _ when widest > maxSeries && seriesKeys.Length > 1 -> split (facetKeys @ [ smallest ]) (seriesKeys |> List.filter ((<>) smallest))
        | _ -> facetKeys, seriesKeys, panels
    split facetKeys0 rest

/// How many seeds stand behind each curve or cell, for a figure title.
let private spreadText (gs: Group list) =
    match gs |> List.map (fun g -> (completed g).Length) |> List.filter ((<) 0) |> List.distinct with
    | [ 1 ] -> "one seed per configuration"
    | _ -> "mean ± sd over seeds"

let private panelTitle (facetKeys: string list) (values: string list) =
    let parts =
        List.zip facetKeys values
        |> List.map (fun (k, v) ->
            match k with
            | "model" -> modelName v
            | "dataset" -> taskName v
            | "rule" -> $"rule {v}"
            | _ -> $"{shortName k} = {valueText k v}")
    String.Join(" · ", parts)

/// A panel title that also names the model and task when the grid holds only one of them.
let private contextTitle (gs: Group list) (facetKeys: string list) (values: string list) =
    let common k f = if List.contains k facetKeys then [] else match gs |> List.map (valueOf k) |> List.distinct with [ v ] when v <> "" -> [ f v ] | _ -> []
    let parts = common "model" modelName @ common "dataset" taskName
    let own = panelTitle facetKeys values
    String.Join(" · ", parts @ (if own = "" then [] else [ own ]))

let private taskOf (facetKeys: string list) (values: string list) (members: Group list) =
    match List.tryFindIndex ((=) "dataset") facetKeys with
    | Some i -> values[i]
    | None -> members |> List.map (valueOf "dataset") |> List.distinct |> function [ t ] -> t | _ -> ""

let private slug (s: string) =
    let chars = s.ToLowerInvariant() |> Seq.map (fun c -> if Char.IsLetterOrDigit c then c else '-') |> Array.ofSeq
    String(chars).Split('-', StringSplitOptions.RemoveEmptyEntries) |> fun parts -> String.Join("-", parts)

// ---- learning curves -----------------------------------------------------------------------------------------

/// A curve's legend text: the group by the series keys (its rule when it has none of them) and its number of runs.
let private curveLabel (seriesKeys: string list) (g: Group) =
    let name = match describe seriesKeys g with "" -> valueOf "rule" g | words -> words
    $"{name} (n = {(completed g).Length})"

/// The width in pixels of a legend of these texts beside a panel's data area.
let private legendWidth (labels: string list) = legendFrame + (labels |> List.map (textWidth legendFont) |> List.fold max 0.0f)

/// The width of a learning-curve panel: 640 pixels, wider when the legend would leave the data area under 330.
let private curvesWidth (labels: string list) = max panelWidth (int (ceil (120.0f + 330.0f + legendWidth labels)))

let private curvesPanel (width: int) (title: string) (task: string) (seriesKeys: string list) (members: Group list) =
    let p = newPanel title "epoch" (metricName task)
    let labels = members |> List.filter (completed >> List.isEmpty >> not) |> List.map (curveLabel seriesKeys)
    // the title is centred over the data area: the panel less its gutter, axis and legend
    fitTitle p title (float32 width - 120.0f - legendWidth labels)
    let palette = paletteFor members.Length
    let mutable longest = 1
    let mutable any = false
    for i, g in List.indexed members do
        let runs = completed g
        if not runs.IsEmpty then
            any <- true
            let epochs = runs |> List.map (fun r -> r.Epochs.Length) |> List.min
            longest <- max longest epochs
            let xs = [| for e in 1 .. epochs -> float e |]
            let stats = [| for e in 0 .. epochs - 1 -> Stats.meanSd [ for r in runs -> 100.0 * r.Epochs[e].TestAccuracy ] |]
            let color = palette.GetColor i
            if runs.Length > 1 then
                let band = p.Add.FillY(xs, stats |> Array.map (fun (m, s) -> m - s), stats |> Array.map (fun (m, s) -> m + s))
                band.FillColor <- color.WithAlpha 0.18
                band.LineColor <- Colors.Transparent
            let line = p.Add.Scatter(xs, Array.map fst stats, color)
            line.LineWidth <- 2.0f
            line.MarkerSize <- 4.0f
            line.LegendText <- curveLabel seriesKeys g
    tickAt p.Axes.Bottom [ for e in 1 .. longest -> float e ]
    if any then Some(legendOutside p) else (p.Dispose(); None)

/// Mean test metric per epoch (± sd over seeds as a band, n in the legend), one panel per (model, task) and
/// whatever further split keeps ≤ 10 curves in a panel. A grid with more than 12 panels gets one file per
/// (model, task).
let learningCurves (dir: string) (grid: string) (gs: Group list) =
    let facetKeys, seriesKeys, panels = facets 10 [ "model"; "dataset" ] gs
    // one width for the panels of a figure, from the longest legend text among them
    let build (panels: (string list * Group list) list) =
        let width = curvesWidth [ for _, members in panels do for g in members do if not (completed g).IsEmpty then curveLabel seriesKeys g ]
        width,
        panels |> List.choose (fun (values, members) ->
            curvesPanel width (contextTitle gs facetKeys values) (taskOf facetKeys values members) seriesKeys members)
    let title = $"{grid}: test metric per epoch, {spreadText gs}"
    if panels.Length <= 12 then
        match build panels with
        | _, [] -> []
        | width, ps -> [ composeSized (width, panelHeight) (Path.Combine(dir, "learning-curves.png")) title (if ps.Length = 4 then 2 else 3) ps ]
    else
        let top = facetKeys |> List.filter (fun k -> k = "model" || k = "dataset")
        [ for file, members in panels |> List.groupBy (fun (values, _) -> List.truncate top.Length values) do
              match build members with
              | _, [] -> ()
              | width, ps ->
                  let name = "learning-curves-" + slug (String.Join("-", file))
                  yield composeSized (width, panelHeight) (Path.Combine(dir, name + ".png")) $"{title} ({panelTitle top file})" (min 5 ps.Length) ps ]

// ---- heat maps -----------------------------------------------------------------------------------------------

/// One heat-map cell: the value coloured, and its text (value and n or interval).
type Cell = { Value: float; Text: string }

let private emptyCell = { Value = nan; Text = "" }

let private luminance (c: Color) = 0.299 * float c.R + 0.587 * float c.G + 0.114 * float c.B

/// A heat map of cells over rows × columns (row 0 at the bottom); diverging maps are centred on zero.
let private heatPanel (title: string) (rowKey: string) (rows: string list) (colKey: string) (cols: string list) (cells: Cell[,]) (diverging: bool) (clip: float option) (unit: string) =
    let p = newPanel title (axisName colKey) (axisName rowKey)
    let n, m = rows.Length, cols.Length
    // the array's first row is drawn at the top: reverse so that row 0 sits at y = 0
    let values = Array2D.init n m (fun r c -> cells[n - 1 - r, c].Value)
    let hm = p.Add.Heatmap values
    let finite = values |> Seq.cast<float> |> Seq.filter Double.IsFinite |> List.ofSeq
    let colormap: IColormap = if diverging then Colormaps.Balance() else Colormaps.Viridis()
    hm.Colormap <- colormap
    hm.NaNCellColor <- Colors.LightGray
    let lo, hi =
        match finite with
        | [] -> 0.0, 1.0
        | _ when diverging ->
            // centred on zero; a clip (100% for a cost reduction, which cannot exceed it) keeps one outlier from
            // washing out every other cell: cells beyond it take the end colour and keep their number
            let r = finite |> List.map abs |> List.max |> max 1e-9
            let r = match clip with Some c -> min r c | None -> r
            -r, r
        | _ -> List.min finite, max (List.max finite) (List.min finite + 1e-9)
    hm.ManualRange <- Nullable(Range(lo, hi))
    let bar = p.Add.ColorBar(hm, Edge.Right)
    bar.Label <- unit
    for i in 0 .. n - 1 do
        for j in 0 .. m - 1 do
            let cell = cells[i, j]
            // a cell without a value shows its text only when it says why (the baseline the others are measured against)
            if Double.IsFinite cell.Value || cell.Text <> "" then
                let t = p.Add.Text(cell.Text, float j, float i)
                t.Alignment <- Alignment.MiddleCenter
                t.LabelFontSize <- (if m > 6 then 10.0f else 12.0f)
                t.LabelFontColor <-
                    if not (Double.IsFinite cell.Value) then Colors.DimGray
                    elif luminance (colormap.GetColor(Math.Clamp((cell.Value - lo) / (hi - lo), 0.0, 1.0))) < 128.0 then Colors.White
                    else Colors.Black
    p.Axes.Bottom.SetTicks([| for j in 0 .. m - 1 -> float j |], cols |> List.map (valueText colKey) |> Array.ofList)
    p.Axes.Left.SetTicks([| for i in 0 .. n - 1 -> float i |], rows |> List.map (valueText rowKey) |> Array.ofList)
    p.Axes.SetLimits(-0.5, float m - 0.5, -0.5, float n - 0.5)
    noLegend p

/// The two keys a heat map spans (the two numeric keys with most values, else the only two keys) and the rest.
let private heatKeys (keys: string list) (gs: Group list) =
    let numeric = keys |> List.filter (numericKey gs)
    if numeric.Length >= 2 then
        let ordered = numeric |> List.sortByDescending (fun k -> (gs |> List.map (valueOf k) |> List.distinct).Length)
        let a, b = ordered[0], ordered[1]
        // keep the configuration's order: the earlier key is the rows (n_free rows, n_nudge columns)
        let rowKey, colKey = if List.findIndex ((=) a) keys < List.findIndex ((=) b) keys then a, b else b, a
        Some(rowKey, colKey, keys |> List.filter (fun k -> k <> rowKey && k <> colKey))
    // two categorical keys; never a task or a model as an axis, whose cells would share one colour scale across
    // different metrics (accuracy and cosine similarity)
    elif keys.Length = 2 && not (List.contains "dataset" keys || List.contains "model" keys) then Some(keys[0], keys[1], [])
    else None

/// Heat maps of `cellOf` over two parameters, one panel per value of the remaining ones.
let private heatFigure (path: string) (title: string) (gs: Group list) (keys: string list) (cellOf: Group -> Cell) (diverging: bool) (clip: float option) (unit: string) =
    match heatKeys keys gs with
    | None -> None
    | Some(rowKey, colKey, others) ->
        let panels =
            [ for values, members in gs |> List.groupBy (fun g -> others |> List.map (fun k -> valueOf k g)) |> List.sortBy (fst >> List.map sortKey) do
                  let rows = members |> List.map (valueOf rowKey) |> List.distinct |> List.sortBy sortKey
                  let cols = members |> List.map (valueOf colKey) |> List.distinct |> List.sortBy sortKey
                  let cells =
                      Array2D.init rows.Length cols.Length (fun i j ->
                          match members |> List.tryFind (fun g -> valueOf rowKey g = rows[i] && valueOf colKey g = cols[j]) with
                          | Some g -> cellOf g
                          | None -> emptyCell)
                  yield heatPanel (contextTitle gs others values) rowKey rows colKey cols cells diverging clip unit ]
        Some(compose path title (if panels.Length = 4 then 2 else min 3 panels.Length) panels)

/// Mean best test metric of every configuration over two parameters (± sd and n in each cell).
let accuracyHeatmap (dir: string) (grid: string) (gs: Group list) =
    let keys = distinguishing gs
    match heatKeys keys gs with
    | Some(rowKey, colKey, _) ->
        let cellOf (g: Group) =
            match completed g |> List.map (fun r -> 100.0 * bestAcc r) with
            | [] -> emptyCell
            | [ x ] -> { Value = x; Text = $"{plainText x}\nn = 1" }
            | xs -> let m, s = Stats.meanSd xs in { Value = m; Text = $"{plainText m} ± {plainText s}\nn = {xs.Length}" }
        let name = $"best-accuracy-over-{slug (shortName rowKey)}-and-{slug (shortName colKey)}.png"
        heatFigure (Path.Combine(dir, name)) $"{grid}: best test metric (%%; NETtalk: cosine similarity), {spreadText gs}" gs keys cellOf false None "best test metric (%)"
        |> Option.toList
    | None -> []

/// A heat-map cell of a paired quantity `f` of a rule against its baseline (a fraction, shown ×100): the mean with
/// its 95% interval, or the single value and n = 1.
let private pairedCell (f: float * float * float * float * float option -> float) (p: Pair) =
    match p.Pairs |> List.map (f >> (*) 100.0) with
    | [] -> emptyCell
    | [ x ] -> { Value = x; Text = $"{signedText x}\nn = 1" }
    | xs ->
        let m, _ = Stats.meanSd xs
        let lo, hi = Stats.bootstrapMean xs
        { Value = m; Text = $"{signedText m}\n[{signedText lo}, {signedText hi}]" }

/// Heat maps of what a rule changes against its baseline, paired by replicate: Δ best test metric (points, with a
/// 95% interval when n > 1) and the paper's cost reduction (%, mean of pairs); the latter over n_free × n_nudge is
/// the paper's Fig. 4.
let pairHeatmaps (dir: string) (grid: string) (ps: Pair list) =
    let rules = ps |> List.map (fun p -> p.Rule)
    let keys = distinguishing rules |> List.filter ((<>) "rule") |> fun ks -> ks @ (if (rules |> List.map (valueOf "rule") |> List.distinct).Length > 1 then [ "rule" ] else [])
    match heatKeys keys rules with
    | Some(rowKey, colKey, _) when numericKey rules rowKey && numericKey rules colKey ->
        let pairOf (g: Group) = ps |> List.find (fun p -> obj.ReferenceEquals(p.Rule, g))
        let cell (f: float * float * float * float * float option -> float) (g: Group) = pairedCell f (pairOf g)
        let over = $"{slug (shortName rowKey)}-and-{slug (shortName colKey)}"
        let fig4 = if rowKey = "freeIterations" && colKey = "nudgeIterations" then " (the paper's Fig. 4)" else ""
        [ heatFigure (Path.Combine(dir, $"delta-accuracy-over-{over}.png")) $"{grid}: Δ best test metric against the baseline (points), paired by replicate"
              rules keys (cell (fun (d, _, _, _, _) -> d)) true None "Δ best test metric (points)"
          heatFigure (Path.Combine(dir, $"cost-reduction-over-{over}.png")) $"{grid}: the paper's cost reduction against the baseline (%%), paired by replicate{fig4}"
              rules keys (cell (fun (_, c, _, _, _) -> c)) true (Some 100.0) "cost reduction (%)" ]
        |> List.choose id
    | _ -> []

/// Paired differences (Δ best test metric, points, 95% bootstrap interval) of every rule against its baseline,
/// one panel per (model, task) with its own scale: a forest plot for grids whose pairs do not span two numeric
/// parameters. Each row's label carries its numbers.
let pairedDifferences (dir: string) (grid: string) (ps: Pair list) =
    let ps = ps |> List.filter (fun p -> not p.Pairs.IsEmpty)
    if ps.IsEmpty then []
    else
        let rules = ps |> List.map (fun p -> p.Rule)
        let facetKeys, seriesKeys, _ = facets 100 [ "model"; "dataset" ] rules
        let seriesKeys = seriesKeys |> List.filter ((<>) "rule")
        let byFacet = ps |> List.groupBy (fun p -> facetKeys |> List.map (fun k -> valueOf k p.Rule)) |> List.sortBy (fst >> List.map sortKey)
        let tallest = byFacet |> List.map (fun (_, m) -> m.Length) |> List.max
        let panels =
            [ for values, members in byFacet do
                  let task = taskOf facetKeys values (members |> List.map (fun p -> p.Rule))
                  let unit = (metricName task).Replace("test ", "Δ best test ").Replace("(%)", "(points)")
                  let p = newPanel (contextTitle rules facetKeys values) unit ""
                  let palette = paletteFor members.Length
                  let n = members.Length
                  let labels =
                      [ for i, pair in List.indexed members do
                            let ds = pair.Pairs |> List.map (fun (d, _, _, _, _) -> 100.0 * d)
                            let m, _ = Stats.meanSd ds
                            let lo, hi = Stats.bootstrapMean ds
                            let y = float (n - 1 - i)
                            let color = palette.GetColor i
                            if ds.Length > 1 then
                                let whisker = p.Add.Scatter([| lo; hi |], [| y; y |], color)
                                whisker.LineWidth <- 3.0f
                                whisker.MarkerSize <- 0.0f
                            let dot = p.Add.Marker(m, y)
                            dot.Color <- color
                            dot.Size <- 10.0f
                            let settings = match describe seriesKeys pair.Rule with "" -> "" | words -> $" ({words})"
                            let rule, baseline = valueOf "rule" pair.Rule, valueOf "rule" pair.Baseline
                            let numbers = if ds.Length > 1 then $"{signedText m} [{signedText lo}, {signedText hi}]" else signedText m
                            yield y, $"{rule}{settings} vs {baseline}: {numbers}, n = {ds.Length}" ]
                  let zero = p.Add.VerticalLine(0.0)
                  zero.Color <- Colors.Black
                  zero.LinePattern <- LinePattern.Dashed
                  p.Axes.Left.SetTicks(labels |> List.map fst |> Array.ofList, labels |> List.map snd |> Array.ofList)
                  p.Axes.SetLimitsY(-0.7, float n - 0.3)
                  yield noLegend p, labels |> List.map snd ]
        // wide enough that the longest row label leaves the data area 330 pixels
        let panels, labels = List.unzip panels
        let widest = labels |> List.concat |> List.map (textWidth 12.0f) |> List.fold max 0.0f
        [ composeSized (max 820 (int (ceil (widest + 80.0f + 330.0f))), tallest * 38 + 170) (Path.Combine(dir, "paired-differences.png"))
              $"{grid}: Δ best test metric against the baseline, paired by replicate (mean, 95%% interval)" 2 panels ]

// ---- the spread ablation --------------------------------------------------------------------------------------

/// The spiking network's base rule and spread of a group, when it is one.
let private baseAndSpread (g: Group) =
    match g.Experiment with
    | Ok e ->
        Experiment.tryConfig SnnConfig.family e
        |> Option.map (fun c ->
            let b = match c.Rule with SnnConfig.Symmetric -> "symmetric" | SnnConfig.SbpBase -> "SBP base" | SnnConfig.Differential -> "differential" | SnnConfig.SpikeTiming _ -> "STDP window"
            b, (match c.Spread with SnnConfig.NoSpread -> "none" | SnnConfig.Spread s -> Spread.label s))
    | Error _ -> None

/// The spiking network's ablation as heat maps, base rule (rows) × spread (columns), one panel per task: Δ best test
/// metric and the paper's cost reduction against symmetric STDP without spread, paired by replicate (mean and 95%
/// interval; the baseline's own cell is grey). Drawn when a grid holds at least two base rules and two spreads.
let spreadHeatmaps (dir: string) (grid: string) (ps: Pair list) =
    let cells = ps |> List.choose (fun p -> baseAndSpread p.Rule |> Option.map (fun k -> k, p))
    let bases = cells |> List.map (fst >> fst) |> List.distinct
    let spreads = cells |> List.map (fst >> snd) |> List.distinct
    if bases.Length + (if List.contains "symmetric" bases then 0 else 1) < 2 || spreads.Length < 2 then []
    else
        let bases = "symmetric" :: (bases |> List.filter ((<>) "symmetric"))
        // none, the reference, then by the first number in the words (f = 1 before f = 5, top 5% before top 20%)
        let order (s: string) =
            let digits = s |> Seq.skipWhile (Char.IsDigit >> not) |> Seq.takeWhile (fun c -> Char.IsDigit c || c = '.') |> Seq.toArray |> String
            let number = match Double.TryParse(digits, NumberStyles.Float, inv) with | true, x -> x | _ -> 0.0
            (if s = "reference" then 0 else 1), s.Split(' ')[0], number, s
        let spreads = "none" :: (spreads |> List.filter ((<>) "none") |> List.sortBy order)
        let tasks = cells |> List.map (fun (_, p) -> valueOf "dataset" p.Rule) |> List.distinct |> List.sortBy sortKey
        let panel (task: string) (f: float * float * float * float * float option -> float) (unit: string) =
            let grid =
                Array2D.init bases.Length spreads.Length (fun i j ->
                    match cells |> List.tryFind (fun ((b, s), p) -> b = bases[i] && s = spreads[j] && valueOf "dataset" p.Rule = task) with
                    | Some(_, p) -> pairedCell f p
                    | None when bases[i] = "symmetric" && spreads[j] = "none" -> { emptyCell with Text = "baseline" }
                    | None -> emptyCell)
            heatPanel (taskName task) "base rule" bases "spread" spreads grid true (Some 100.0) unit
        let figure (name: string) (title: string) f unit =
            let panels = [ for t in tasks -> panel t f unit ]
            // one panel a row, wide enough for a mean and its interval in every cell
            composeSized (max 900 (160 * spreads.Length + 300), 470) (Path.Combine(dir, name))
                $"{grid}: {title}, against symmetric STDP without spread, paired by replicate" 1 panels
        [ figure "spread-delta-accuracy.png" "Δ best test metric (points) by base rule and spread" (fun (d, _, _, _, _) -> d) "Δ best test metric (points)"
          figure "spread-cost-reduction.png" "the paper's cost reduction (%), mean of the pairs, by base rule and spread" (fun (_, c, _, _, _) -> c) "cost reduction, mean of pairs (%)" ]

// ---- the paper beside ours -----------------------------------------------------------------------------------

/// One row of the paper-vs-ours figure: a model and task, the paper's Δ and cost reduction, and ours with their
/// 95% intervals (fractions), over `Pairs` replicate pairs.
type PaperRow =
    { Label: string
      PaperDelta: float
      PaperCost: float
      Delta: float * float * float
      Cost: float * float * float
      Pairs: int }

/// The paper's figures beside ours, one row per model and task: Δ best test metric (points) and the paper's cost
/// reduction (%), the paper's value as an open diamond and ours as a dot with its 95% interval. The report's
/// criterion is drawn with them: a grey bar at half the paper's value (a gain claim asks our interval's upper end to
/// reach it, a cost claim our estimate) and, for accuracy, a dotted line at −0.5 points (the loss that still counts
/// as accuracy kept). Both
/// panels' data areas start at one x, so that a row reads across.
let paperVsOurs (path: string) (accuracyKept: float) (rows: PaperRow list) =
    if rows.IsEmpty then None
    else
        let n = rows.Length
        let ys = [| for i in 0 .. n - 1 -> float (n - 1 - i) |]
        let labelsOf (ours: PaperRow -> float * float * float) =
            [| for r in rows ->
                   let m, lo, hi = ours r
                   let spread = if r.Pairs > 1 then $" [{signedText (100.0 * lo)}, {signedText (100.0 * hi)}]" else ""
                   $"{r.Label}: {signedText (100.0 * m)}{spread}, n = {r.Pairs}" |]
        let accuracyLabels, costLabels = labelsOf (fun r -> r.Delta), labelsOf (fun r -> r.Cost)
        // the tick labels' width in both panels, so that their data areas line up
        let labelRoom = Array.append accuracyLabels costLabels |> Array.map (textWidth 12.0f) |> Array.max
        let keptText = $"{signedText (-100.0 * accuracyKept)} points: the no-loss margin"
        let panel (title: string) (unit: string) (paper: PaperRow -> float) (ours: PaperRow -> float * float * float) (labels: string[]) (halfText: string) (kept: float option) =
            let p = newPanel title unit ""
            let half = p.Add.ScatterPoints([| for r in rows -> 50.0 * paper r |], ys, Colors.Gray)
            half.MarkerShape <- MarkerShape.VerticalBar
            half.MarkerSize <- 22.0f
            half.MarkerLineWidth <- 2.5f
            half.LegendText <- halfText
            let theirs = p.Add.ScatterPoints([| for r in rows -> 100.0 * paper r |], ys, Colors.Black)
            theirs.MarkerShape <- MarkerShape.OpenDiamond
            theirs.MarkerSize <- 13.0f
            theirs.LegendText <- "the paper"
            let colour = Palettes.Category10().GetColor 0
            for i, r in List.indexed rows do
                let _, lo, hi = ours r
                if r.Pairs > 1 then
                    let whisker = p.Add.Scatter([| 100.0 * lo; 100.0 * hi |], [| ys[i]; ys[i] |], colour)
                    whisker.LineWidth <- 3.0f
                    whisker.MarkerSize <- 0.0f
            let mine = p.Add.ScatterPoints([| for r in rows -> let m, _, _ = ours r in 100.0 * m |], ys, colour)
            mine.MarkerSize <- 10.0f
            mine.LegendText <- "ours (95% interval)"
            let zero = p.Add.VerticalLine(0.0)
            zero.Color <- Colors.Gray
            zero.LinePattern <- LinePattern.Dashed
            match kept with
            | Some x ->
                let line = p.Add.VerticalLine(x)
                line.Color <- Colors.Black
                line.LinePattern <- LinePattern.Dotted
                line.LegendText <- keptText
            | None -> ()
            p.Axes.Left.SetTicks(ys, labels)
            p.Axes.Left.MinimumSize <- labelRoom + 16.0f
            p.Axes.SetLimitsY(-0.7, float n - 0.3)
            legendOutside p
        let panels =
            [ panel "accuracy: with SBP − without (the metric's points)" "Δ best test metric (points)" (fun r -> r.PaperDelta) (fun r -> r.Delta)
                  accuracyLabels "half the paper's (our interval to reach it)" (Some(-100.0 * accuracyKept))
              panel "cost: the paper's cost reduction" "cost reduction (%)" (fun r -> r.PaperCost) (fun r -> r.Cost) costLabels
                  "half the paper's (our estimate to reach it)" None ]
        // the narrower legend padded on its right to the wider one's width, so that the data areas also end at one x
        let widths = panels |> List.map (fun p -> use image = p.Plot.GetLegendImage() in float32 image.Width)
        for p, w in List.zip panels widths do
            p.LegendPanel |> Option.iter (fun lp -> lp.Padding <- PixelPadding(lp.Padding.Left, lp.Padding.Right + List.max widths - w, lp.Padding.Bottom, lp.Padding.Top))
        Some(composeSized (1300, n * 46 + 190) path "The paper's figures beside ours (paired replicates; open diamond: the paper)" 1 panels)

// ---- sweeps --------------------------------------------------------------------------------------------------

/// Mean best test metric (± sd band) against a numeric parameter with ≥ 3 values, one panel per (model, task)
/// and further split while a panel would hold more than 10 lines.
let sweep (dir: string) (grid: string) (gs: Group list) =
    let keys = distinguishing gs
    let candidates =
        keys
        |> List.filter (fun k -> k <> "model" && k <> "dataset" && numericKey gs k)
        |> List.filter (fun k -> (gs |> List.map (valueOf k) |> List.distinct).Length >= 3)
        |> List.sortByDescending (fun k -> (gs |> List.map (valueOf k) |> List.distinct).Length)
    match candidates with
    | xKey :: _ ->
        // a series is one value of every key but x: facet on series of at most 10
        let lines = gs |> List.groupBy (fun g -> keys |> List.filter ((<>) xKey) |> List.map (fun k -> valueOf k g))
        let lineGroups = lines |> List.map (fun (_, members) -> members.Head)
        let facetKeys, seriesKeys, _ = facets 10 [ "model"; "dataset" ] (lineGroups |> List.map (fun g -> { g with Key = g.Key |> List.filter (fst >> (<>) xKey) }))
        let seriesKeys = seriesKeys |> List.filter ((<>) xKey)
        let panels =
            [ for values, members in gs |> List.groupBy (fun g -> facetKeys |> List.map (fun k -> valueOf k g)) |> List.sortBy (fst >> List.map sortKey) do
                  let task = taskOf facetKeys values members
                  let p = newPanel (contextTitle gs facetKeys values) (axisName xKey) ("best " + metricName task)
                  let series = members |> List.groupBy (fun g -> seriesKeys |> List.map (fun k -> valueOf k g))
                  let palette = paletteFor series.Length
                  let xsAll = Collections.Generic.List<float>()
                  for i, (_, sm) in List.indexed series do
                      let points =
                          sm
                          |> List.choose (fun g ->
                              match completed g |> List.map (fun r -> 100.0 * bestAcc r) with
                              | [] -> None
                              | best -> Some((tryNumber (valueOf xKey g)).Value, Stats.meanSd best, best.Length))
                          |> List.sortBy (fun (x, _, _) -> x)
                      if not points.IsEmpty then
                          let xs = points |> List.map (fun (x, _, _) -> x) |> Array.ofList
                          xsAll.AddRange xs
                          let color = palette.GetColor i
                          if points |> List.exists (fun (_, _, n) -> n > 1) then
                              let band = p.Add.FillY(xs, points |> List.map (fun (_, (m, s), _) -> m - s) |> Array.ofList, points |> List.map (fun (_, (m, s), _) -> m + s) |> Array.ofList)
                              band.FillColor <- color.WithAlpha 0.18
                              band.LineColor <- Colors.Transparent
                          let line = p.Add.Scatter(xs, points |> List.map (fun (_, (m, _), _) -> m) |> Array.ofList, color)
                          line.LineWidth <- 2.0f
                          let ns = points |> List.map (fun (_, _, n) -> n) |> List.distinct
                          let nText = match ns with [ k ] -> $"n = {k}" | _ -> $"n = {List.min ns}–{List.max ns}"
                          let name = if seriesKeys.IsEmpty then "mean over seeds" else describe seriesKeys sm.Head
                          line.LegendText <- $"{name} ({nText})"
                  tickAt p.Axes.Bottom (List.ofSeq xsAll)
                  yield legendOutside p ]
        let name = $"best-accuracy-against-{slug (shortName xKey)}.png"
        [ compose (Path.Combine(dir, name)) $"{grid}: best test metric against {axisName xKey}, {spreadText gs}" (if panels.Length = 4 then 2 else 3) panels ]
    | [] -> []

// ---- weights and rasters -------------------------------------------------------------------------------------

/// The connection a weight matrix stands for: "input → hidden 1", "hidden 2 → output".
let connectionName (layer: int) (connections: int) =
    let node i = if i = 0 then "input" elif i = connections then "output" else $"hidden {i}"
    $"{node layer} → {node (layer + 1)}"

let private histogramLine (p: Plot) (h: Artifacts.Histogram) (color: Color) (label: string) =
    let total = float (max 1 (Array.sum h.Counts))
    // a step outline over the bins: each bin's fraction held from its lower to its upper edge
    let xs = [| for b in 0 .. h.Counts.Length - 1 do
                    yield h.Lower + float b * h.Width
                    yield h.Lower + float (b + 1) * h.Width |]
    let ys = [| for b in 0 .. h.Counts.Length - 1 do
                    let f = float h.Counts[b] / total
                    yield f
                    yield f |]
    let s = p.Add.Scatter(xs, ys, color)
    s.MarkerSize <- 0.0f
    s.LineWidth <- 2.0f
    s.LegendText <- label
    Array.max ys

/// Weight histograms of one run, one panel per connection, initial against trained; y from 0.
let weights (path: string) (title: string) (a: Artifacts.Artifacts) =
    let connections = a.Weights.Length
    let panels =
        [ for h in a.Weights do
              let p = newPanel (connectionName h.Layer connections) "synaptic weight" "fraction of synapses"
              let top1 =
                  match a.Initial |> List.tryFind (fun i -> i.Layer = h.Layer) with
                  | Some i -> histogramLine p i Colors.Gray "initial"
                  | None -> 0.0
              let top2 = histogramLine p h (Palettes.Category10().GetColor 0) "trained"
              p.Axes.SetLimitsY(0.0, 1.08 * max top1 top2 |> max 1e-6)
              yield legendOutside p ]
    compose path title (if panels.Length = 4 then 2 else min 3 panels.Length) panels

/// Spikes of the first hidden layer in the feedforward phase of the raster samples: one panel per sample with
/// its class, time in ms.
let raster (path: string) (title: string) (a: Artifacts.Artifacts) =
    let dt = if a.DtMs > 0.0 then a.DtMs else 1.0
    let unit = if a.DtMs > 0.0 then "time (ms)" else "time step"
    let panels =
        [ for sample in 0 .. a.RasterSamples - 1 do
              let cls = if sample < a.RasterLabels.Length then $", class {a.RasterLabels[sample]}" else ""
              let p = newPanel $"test sample {sample + 1}{cls}" unit "hidden-layer-1 neuron"
              let spikes = a.Raster |> List.filter (fun s -> s.Layer = 1 && s.Sample = sample)
              if not spikes.IsEmpty then
                  let xs = spikes |> List.map (fun s -> float s.Step * dt) |> Array.ofList
                  let ys = spikes |> List.map (fun s -> float s.Neuron) |> Array.ofList
                  p.Add.Markers(xs, ys, MarkerShape.FilledSquare, 2.0f, Nullable(Colors.Black)) |> ignore
              p.Axes.SetLimitsX(0.0, float a.Steps * dt)
              yield noLegend p ]
    compose path title (min 3 (max 1 panels.Length)) panels

// ---- everything for a grid -----------------------------------------------------------------------------------

/// Every figure of a grid into results/<grid>/plots/; returns the files written.
let write (resultsRoot: string) (grid: string) (costCap: float option) (gs: Group list) =
    // inside the results folder only: a grid name, no linked grid or plots folder (Tables.gridFolder)
    let dir = Path.Combine(Tables.gridFolder resultsRoot grid, "plots")
    Directory.CreateDirectory dir |> ignore
    // a regeneration replaces every plot: none of an earlier, different grid is left behind
    for old in Directory.GetFiles(dir, "*.png") do File.Delete old
    let ps = pairs costCap gs
    let figures =
        [ yield! learningCurves dir grid gs
          yield! accuracyHeatmap dir grid gs
          let heat = pairHeatmaps dir grid ps
          yield! heat
          yield! spreadHeatmaps dir grid ps
          if heat.IsEmpty then yield! pairedDifferences dir grid ps
          yield! sweep dir grid gs
          let cols = distinguishing gs
          // weights and rasters of the first few configurations with artifacts: enough to look at, small enough to commit
          let withArtifacts =
              gs
              |> List.choose (fun g ->
                  g.Runs
                  |> List.tryPick (fun r ->
                      match r.Config |> List.tryFind (fst >> (=) "experimentId") with
                      | Some(_, RunRecord.Text eid) ->
                          let apath = Path.Combine(resultsRoot, grid, eid, "artifacts.json")
                          // a bad artifacts file is skipped here (the runner regenerates it on the grid's next run)
                          if not (File.Exists apath) then None
                          else try Some(g, r, Artifacts.read apath) with :? InvalidDataException | :? IOException -> None
                      | _ -> None))
              |> List.truncate 4
          let rasters = withArtifacts |> List.filter (fun (_, _, a) -> a.RasterSamples > 0) |> List.truncate 2 |> List.map (fun (g, _, _) -> g.Key)
          for g, r, a in withArtifacts do
              let shown = cols |> List.filter ((<>) "model")
              let label = if shown.IsEmpty then valueOf "rule" g else describe shown g
              // the model's short name leads the file name, its full name the title
              let name = slug (valueOf "model" g + " " + label)
              let model = modelName (valueOf "model" g)
              let replicate =
                  match r.Config |> List.tryFind (fst >> (=) "replicate") with
                  | Some(_, RunRecord.Int i) -> $"replicate {i}, "
                  | _ -> ""
              yield weights (Path.Combine(dir, $"weights-{name}.png")) $"{model}, {label}, {replicate}seed {r.Seed}: weights before and after training" a
              if List.contains g.Key rasters then
                  yield raster (Path.Combine(dir, $"raster-{name}.png")) $"{model}, {label}, {replicate}seed {r.Seed}: hidden-layer spikes of test samples" a ]
    figures |> List.map (fun f -> f.Path)
