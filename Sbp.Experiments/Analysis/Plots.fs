/// Figures (ScottPlot 5, PNG, headless) regenerated from run records and artifacts. Every figure is a grid of
/// readable panels, one per (model, task) and whatever else keeps a panel readable, each with its own metric and
/// unit; learning curves put at most six panels in a file and more in further files. Titles are wrapped, never cut;
/// what all panels share is said once, in the figure title. Legends sit outside the data area and hold one entry per
/// line that can be told apart (lines that coincide share an entry that says so); numeric parameters are sorted and
/// ticked as numbers; parameters and values are named in words. A test-metric axis stays within the metric's range
/// and spans at least 5 points, so that a flat curve does not look like learning. Heat maps of a figure share one
/// colour scale; signed quantities use a diverging map centred on zero that colours a cell only where its 95%
/// interval (≥ 2 pairs) excludes zero, and a cell without a defined value reads "n/a". A figure says n = 1 where its
/// runs are single, calls nothing from one pair an interval, and calls fewer than 5 pairs a first reading. Weight
/// histograms are densities on bins the initial and the trained weights share, over a range that outliers do not
/// stretch (they are counted in the panel's title).
module Sbp.Experiments.Plots

open System
open System.Globalization
open System.IO
open ScottPlot
open SkiaSharp
open Sbp.Experiments.Tables

/// Where a panel's data area and legend landed in the composed image (pixels), and what it says: its title, its
/// legend entries and its text ticks (the words and layout tests check), and its axis limits.
type PanelLayout =
    { Figure: PixelRect
      Data: PixelRect
      Legend: PixelRect option
      Title: string
      Entries: string list
      Ticks: string list
      XLimits: float * float
      YLimits: float * float
      /// The colour scale's range of a heat map (None for other panels).
      ColourRange: (float * float) option }

/// A written figure: its file, its size, its title and the layout of its panels.
type Figure = { Path: string; Width: int; Height: int; Title: string; Panels: PanelLayout list }

let private inv = CultureInfo.InvariantCulture
let private panelWidth, panelHeight = 640, 430
/// The most panels a figure holds; more go to further files.
let maxPanels = 6
/// Fewer pairs than this make a first reading, not a result (the report's threshold).
let firstReadingBelow = 5

// ---- words for keys and values -------------------------------------------------------------------------------

/// An axis name in words, with its unit, for a configuration key: the words of the family's schema.
let axisName (key: string) =
    match key, Families.words key with
    | "model", _ -> "model"
    | "rule", _ -> "learning rule"
    | _, Some(axis, _) -> axis
    | k, None ->
        // camelCase and dotted keys into words: sbp.lambdaPre -> "sbp lambda pre"
        let sb = Text.StringBuilder()
        for c in k.Replace('.', ' ') do
            if Char.IsUpper c then sb.Append(' ').Append(Char.ToLowerInvariant c) |> ignore else sb.Append c |> ignore
        sb.ToString()

/// A short name for legends and panel titles: the words of the family's schema.
let shortName (key: string) =
    match Families.words key with
    | Some(_, short) -> short
    | None -> axisName key

/// A family's display name, as it declares it (a name no family has stays as it is).
let modelName (m: string) =
    match Families.all |> List.tryFind (fun f -> f.Name = m) with
    | Some f -> f.DisplayName
    | None -> m

let taskName (t: string) =
    match t with
    | "mnist" -> "MNIST"
    | "mnist-10k" -> "MNIST (10k subset)"
    | "fashion" -> "Fashion-MNIST"
    | "nettalk" -> "NETtalk"
    | "dvs" -> "DVS Gesture"
    | other -> other

/// A case name of a closed set (an enum or union case such as PerBatch, SameStep, Modulate) in words; any other
/// text unchanged.
let caseWords (v: string) =
    match v with
    | "PerBatch" -> "per batch"
    | "PerStep" -> "per BPTT step"
    | "SbpBase" -> "SBP base"
    | "KaimingUniform" -> "Kaiming-uniform"
    | "SpikesOnly" -> "through the spikes only"
    | "LayerAbove" -> "layer above"
    | "Output" -> "output layer"
    | _ when v.Length > 1 && Char.IsUpper v[0] && v |> Seq.forall Char.IsLetterOrDigit && v |> Seq.skip 1 |> Seq.exists Char.IsLower ->
        // PascalCase into lower-case words: SameStep -> "same step", Modulate -> "modulate"
        let sb = Text.StringBuilder()
        for i, c in Seq.indexed v do
            if Char.IsUpper c && i > 0 then sb.Append(' ') |> ignore
            sb.Append(Char.ToLowerInvariant c) |> ignore
        sb.ToString()
    | _ -> v

/// A value as a reader reads it: hidden = "500 500" as 500-500, tasks and models by name, case names in words.
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
    | "form" -> (match v with "PerBatch" -> "replaced per batch" | "PerStep" -> "replaced per BPTT step" | _ -> caseWords v)
    | _ -> caseWords v

/// The metric a task is scored by.
let private metricOf (task: string) = DataSets.parseName task |> Result.map DataSets.metricOf |> Result.defaultValue DataSets.Accuracy

/// The metric a task is scored by, with its unit.
let metricName (task: string) = $"test {DataSets.metricText (metricOf task)} (%%)"

/// The range a task's metric can take, in %: accuracy [0, 100], cosine similarity [−100, 100].
let metricBounds (task: string) =
    match metricOf task with
    | DataSets.Accuracy -> 0.0, 100.0
    | DataSets.CosineSimilarity -> -100.0, 100.0

let private valueOf (k: string) (g: Group) = g.Key |> List.tryFind (fst >> (=) k) |> Option.map snd |> Option.defaultValue ""

let private tryNumber (s: string) =
    match Double.TryParse(s, NumberStyles.Float, inv) with
    | true, x -> Some x
    | _ -> None

let private numericKey (gs: Group list) (k: string) = gs |> List.forall (fun g -> (tryNumber (valueOf k g)).IsSome)

/// A group in words by the given keys; a key the group does not have (backprop has no replaced share) is left out.
/// The rule and the replacement form name themselves; other keys are named before their value.
let private describe (keys: string list) (g: Group) =
    let words k =
        match valueOf k g with
        | "" -> None
        | v when k = "rule" || k = "form" -> Some(valueText k v)
        | v -> Some $"{shortName k} {valueText k v}"
    String.Join(", ", keys |> List.choose words)

/// A signed number that never reads as an ambiguous 0.00: exact zeros are "0", small values keep their digits.
let signedText (x: float) =
    if Double.IsNaN x then ""
    elif x = 0.0 then "0"
    elif abs x < 0.0005 then (if x > 0.0 then "+0.000" else "-0.000")
    elif abs x < 0.01 then x.ToString("+0.0##;-0.0##", inv)
    else x.ToString("+0.00;-0.00", inv)

let private plainText (x: float) = if Double.IsNaN x then "" else x.ToString("F2", inv)

/// How many pairs stand behind a mean, in words: "n = 1 (no interval)", "a first reading (n = 3)" below 5 pairs,
/// "n = 5" from there.
let pairsText (n: int) =
    if n = 1 then "n = 1 (no interval)"
    elif n < firstReadingBelow then $"a first reading (n = {n})"
    else $"n = {n}"

// ---- panels and their composition ----------------------------------------------------------------------------

type private Panel = { Plot: Plot; LegendPanel: Panels.LegendPanel option }

/// The width in pixels of a text in the plots' font at `size` points (of its longest line).
let private textWidth (size: float32) (text: string) =
    use font = new SKFont(SKTypeface.FromFamilyName(Fonts.Default), size)
    text.Split('\n') |> Array.map (fun line -> font.MeasureText line) |> Array.fold max 0.0f

/// A text broken into lines no wider than `room` pixels at `size` points: after the marks that end its phrases
/// (", ", " · ", ": ", "; "), and at spaces where a phrase alone is too wide; its own line breaks are kept.
let wrapText (size: float32) (room: float32) (text: string) =
    let fits (s: string) = textWidth size (s.TrimEnd()) <= room
    let fill (pieces: string list) =
        let lines, last =
            pieces
            |> List.fold (fun (lines: string list, current: string) piece ->
                if current = "" || fits (current + piece) then lines, current + piece else lines @ [ current ], piece) ([], "")
        lines @ [ last ]
    [ for paragraph in text.Split('\n') do
          let phrases = Text.RegularExpressions.Regex.Split(paragraph, "(?<=, |· |: |; )") |> List.ofArray
          for line in fill phrases do
              // a phrase wider than the room is broken at its spaces
              let line = if fits line then [ line ] else fill (Text.RegularExpressions.Regex.Split(line, "(?<= )") |> List.ofArray)
              for l in line -> l.TrimEnd([| ' '; '·' |]) ]

/// Sets a panel's title over a data area `room` pixels wide: one line at 15 pt where it fits, else two lines at the
/// largest size down to 11 pt that fits them, else as many lines as it takes at 11 pt (never cut, never tiny).
let private setTitle (p: Plot) (title: string) (room: float32) =
    let room = max 120.0f room
    let fitting =
        [ 15.0f; 14.0f; 13.0f; 12.0f; 11.0f ]
        |> List.tryPick (fun size ->
            let lines = wrapText size room title
            if lines.Length <= (if size = 15.0f then 1 else 2) then Some(size, lines) else None)
    let size, lines = defaultArg fitting (11.0f, wrapText 11.0f room title)
    p.Title(String.Join("\n", lines), Nullable size)

/// The room a panel's title has: the panel less its gutter and y axis, and the legend or colour bar beside it.
let private titleRoom (width: int) (beside: float32) = float32 width - 130.0f - beside

let private newPanel (title: string) (xLabel: string) (yLabel: string) =
    let p = new Plot()
    setTitle p title (titleRoom panelWidth 90.0f)
    p.XLabel(xLabel, Nullable 13.0f)
    p.YLabel(yLabel, Nullable 13.0f)
    // a little room between the rotated y label and the tick labels (an underscore in n_free would touch them)
    match p.Axes.Left with
    | :? AxisPanels.AxisBase as axis -> axis.LabelOffsetX <- -4.0f
    | _ -> ()
    p

/// The legend's font size, and the room its frame, symbol and padding take beside the longest text (pixels).
let private legendFont, legendFrame = 11.0f, 48.0f

/// Moves the legend to a panel right of the data area (never over the data).
let private legendOutside (p: Plot) =
    let lp = p.ShowLegend(Edge.Right)
    p.Legend.FontSize <- Nullable legendFont
    { Plot = p; LegendPanel = Some lp }

let private noLegend (p: Plot) = { Plot = p; LegendPanel = None }

/// The texts of an axis's ticks where they were set by hand (categories, parameter values).
let private manualTicks (axis: IAxis) =
    match axis.TickGenerator with
    | :? TickGenerators.NumericManual as m -> [ for t in m.Ticks -> t.Label ]
    | _ -> []

/// Renders panels into one PNG, `cols` to a row, under a figure title (broken into lines that fit); returns where
/// everything landed and what it says.
let private composeSized (panelWidth: int, panelHeight: int) (path: string) (title: string) (cols: int) (panels: Panel list) =
    let cols = max 1 (min cols panels.Length)
    let rows = (panels.Length + cols - 1) / cols
    let width = cols * panelWidth
    use font = new SKFont(SKTypeface.FromFamilyName(Fonts.Default), 20.0f)
    let titleLines = wrapText 20.0f (float32 width - 40.0f) title
    // a line that still does not fit (one long word) is set smaller rather than cut
    let widest = titleLines |> List.map (fun l -> font.MeasureText l) |> List.max
    if widest > float32 width - 20.0f then font.Size <- max 9.0f (20.0f * (float32 width - 20.0f) / widest)
    let titleHeight = 44 + 26 * (titleLines.Length - 1)
    let height = titleHeight + rows * panelHeight
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
              let limits = panel.Plot.Axes.GetLimits()
              yield
                  { Figure = rect
                    Data = shift last.DataRect
                    Legend = legend
                    Title = panel.Plot.Axes.Title.Label.Text
                    Entries =
                        [ for plottable in panel.Plot.GetPlottables() do
                              for item in plottable.LegendItems do
                                  if not (String.IsNullOrEmpty item.LabelText) then yield item.LabelText ]
                    Ticks = manualTicks panel.Plot.Axes.Left @ manualTicks panel.Plot.Axes.Bottom
                    XLimits = limits.Left, limits.Right
                    YLimits = limits.Bottom, limits.Top
                    ColourRange =
                        panel.Plot.GetPlottables<Plottables.Heatmap>()
                        |> Seq.tryHead
                        |> Option.bind (fun hm -> if hm.ManualRange.HasValue then Some(hm.ManualRange.Value.Min, hm.ManualRange.Value.Max) else None) } ]
    use paint = new SKPaint(Color = SKColors.Black, IsAntialias = true)
    for i, line in List.indexed titleLines do
        canvas.DrawText(line, float32 width / 2.0f, 30.0f + 26.0f * float32 i, SKTextAlign.Center, font, paint)
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
    { Path = path; Width = width; Height = height; Title = title; Panels = layouts }

let private compose = composeSized (panelWidth, panelHeight)

/// Columns for a figure of n panels: 2 × 2 for four, else up to three to a row.
let private columnsFor (n: int) = if n = 4 then 2 else min 3 n

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
    | [ 1 ] -> "one seed per configuration (n = 1, single runs)"
    | _ -> "mean ± sd over seeds"

let private panelTitle (facetKeys: string list) (values: string list) =
    let parts =
        List.zip facetKeys values
        |> List.map (fun (k, v) ->
            match k with
            | "model" -> modelName v
            | "dataset" -> taskName v
            | "rule" -> $"rule {v}"
            | "form" -> valueText k v
            | _ -> $"{shortName k} = {valueText k v}")
    String.Join(" · ", parts)

/// The model and the task when the grid holds only one of them and they are not facets: "spiking STDP network ·
/// MNIST".
let private sharedContext (gs: Group list) (facetKeys: string list) =
    let common k f = if List.contains k facetKeys then [] else match gs |> List.map (valueOf k) |> List.distinct with [ v ] when v <> "" -> [ f v ] | _ -> []
    common "model" modelName @ common "dataset" taskName

/// A panel title that also names the model and task when the grid holds only one of them.
let private contextTitle (gs: Group list) (facetKeys: string list) (values: string list) =
    let own = panelTitle facetKeys values
    String.Join(" · ", sharedContext gs facetKeys @ (if own = "" then [] else [ own ]))

/// Panel titles over a figure's panels, and the figure's context line: what every panel shares (the grid's one
/// model or task) is said once, in the figure title; each panel names what is its own, a lone panel the context.
let private titlesOf (gs: Group list) (facetKeys: string list) (values: string list list) =
    let context = String.Join(" · ", sharedContext gs facetKeys)
    let owns = values |> List.map (panelTitle facetKeys)
    if owns |> List.forall ((=) "") then owns |> List.map (fun _ -> context), "" else owns, context

let private taskOf (facetKeys: string list) (values: string list) (members: Group list) =
    match List.tryFindIndex ((=) "dataset") facetKeys with
    | Some i -> values[i]
    | None -> members |> List.map (valueOf "dataset") |> List.distinct |> function [ t ] -> t | _ -> ""

let private slug (s: string) =
    let chars = s.ToLowerInvariant() |> Seq.map (fun c -> if Char.IsLetterOrDigit c then c else '-') |> Array.ofSeq
    String(chars).Split('-', StringSplitOptions.RemoveEmptyEntries) |> fun parts -> String.Join("-", parts)

/// Panels split over files of at most `maxPanels`: by the leading facet keys, as few as it takes, then into parts.
/// Returns (how many leading keys name a file, [(the file's values of them, its part of k, its panels)]).
let private filesOf (facetKeys: string list) (panels: (string list * 'a) list) =
    let rec depthFor (depth: int) =
        let byFile = panels |> List.groupBy (fst >> List.truncate depth)
        if depth >= facetKeys.Length || byFile |> List.forall (fun (_, ps) -> ps.Length <= maxPanels) then depth, byFile
        else depthFor (depth + 1)
    let depth, byFile = if panels.Length <= maxPanels then 0, [ [], panels ] else depthFor 1
    depth,
    [ for values, ps in byFile do
          let chunks = List.chunkBySize maxPanels ps
          for i, chunk in List.indexed chunks -> values, (if chunks.Length > 1 then Some(i + 1, chunks.Length) else None), chunk ]

/// A file name's part for facet values: tasks, models and rules by their value, other keys with their name.
let private fileSlug (keys: string list) (values: string list) (part: (int * int) option) =
    let words =
        List.zip keys values
        |> List.map (fun (k, v) -> if k = "dataset" || k = "model" || k = "rule" then v else $"{shortName k} {v}")
    slug (String.Join(" ", words @ (match part with Some(i, _) -> [ $"part {i}" ] | None -> [])))

// ---- learning curves -----------------------------------------------------------------------------------------

/// The least span of a test-metric axis, in points: a flat curve at chance stays flat instead of being zoomed into.
let minimumSpan = 5.0

/// The limits of a test-metric axis (in %) over the values drawn: their range padded by 4%, at least `minimumSpan`
/// points around its centre, moved (never widened) to lie within the metric's bounds.
let metricLimits (lo: float, hi: float) (values: float seq) =
    let vs = values |> Seq.filter Double.IsFinite |> Seq.map (fun v -> Math.Clamp(v, lo, hi)) |> List.ofSeq
    match vs with
    | [] -> lo, hi
    | _ ->
        let a, b = List.min vs, List.max vs
        let pad = 0.04 * (b - a)
        let span = min (hi - lo) (max minimumSpan (b - a + 2.0 * pad))
        let bottom = Math.Clamp((a + b) / 2.0 - span / 2.0, lo, hi - span)
        bottom, bottom + span

/// A curve's legend text: the group by the series keys (its rule when it has none of them) and its number of runs.
let private curveLabel (seriesKeys: string list) (g: Group) =
    let name = match describe seriesKeys g with "" -> valueOf "rule" g | words -> words
    $"{name} (n = {(completed g).Length})"

/// The width in pixels of a legend of these texts beside a panel's data area.
let private legendWidth (labels: string list) = legendFrame + (labels |> List.map (textWidth legendFont) |> List.fold max 0.0f)

/// The width of a learning-curve panel: 640 pixels, wider when the legend would leave the data area under 330.
let private curvesWidth (labels: string list) = max panelWidth (int (ceil (120.0f + 330.0f + legendWidth labels)))

/// One drawn curve: the mean test metric per epoch over a group's runs with its ± sd band (within the metric's
/// bounds), and the groups whose mean curves coincide with it at the axis's scale.
type private Curve = { Groups: Group list; Xs: float[]; Means: float[]; Lows: float[]; Highs: float[]; Apart: float }

/// The curves of a panel, those that coincide merged, and the y limits: lines within 1% of the axis span of each
/// other at every epoch (about three pixels, the width of a line and its markers) cannot be told apart and are drawn
/// once, with one legend entry.
let private curvesOf (task: string) (members: Group list) =
    let lo, hi = metricBounds task
    let single =
        [ for g in members do
              let runs = completed g
              if not runs.IsEmpty then
                  let epochs = runs |> List.map (fun r -> r.Epochs.Length) |> List.min
                  let stats = [| for e in 0 .. epochs - 1 -> Stats.meanSd [ for r in runs -> 100.0 * r.Epochs[e].TestAccuracy ] |]
                  let clamp v = Math.Clamp(v, lo, hi)
                  yield
                      { Groups = [ g ]
                        Xs = [| for e in 1 .. epochs -> float e |]
                        Means = stats |> Array.map (fst >> clamp)
                        Lows = stats |> Array.map (fun (m, s) -> clamp (m - s))
                        Highs = stats |> Array.map (fun (m, s) -> clamp (m + s))
                        Apart = 0.0 } ]
    let limits = metricLimits (lo, hi) [ for c in single do yield! c.Lows; yield! c.Highs ]
    let tolerance = 0.01 * (snd limits - fst limits)
    let apart (a: Curve) (b: Curve) = if a.Means.Length <> b.Means.Length then infinity else Array.map2 (fun x y -> abs (x - y)) a.Means b.Means |> Array.max
    let merged =
        single
        |> List.fold (fun (drawn: Curve list) c ->
            match drawn |> List.tryFindIndex (fun d -> apart d c <= tolerance) with
            | Some i -> drawn |> List.mapi (fun j d -> if i = j then { d with Groups = d.Groups @ c.Groups; Apart = max d.Apart (apart d c) } else d)
            | None -> drawn @ [ c ]) []
    merged, limits

/// A drawn curve's legend text: its group, or each coinciding group on a line of its own and how far apart they are.
let private curveEntry (seriesKeys: string list) (c: Curve) =
    match c.Groups with
    | [ g ] -> curveLabel seriesKeys g
    | gs ->
        let points = c.Apart.ToString("0.###", inv)
        let apart = if c.Apart = 0.0 then "identical lines" else $"lines coincide (within {points} points)"
        String.Join("\n", (gs |> List.map (curveLabel seriesKeys)) @ [ apart ])

let private curvesPanel (width: int) (title: string) (task: string) (seriesKeys: string list) (members: Group list) =
    match curvesOf task members with
    | [], _ -> None
    | curves, (bottom, top) ->
        let p = newPanel title "epoch" (metricName task)
        let entries = curves |> List.map (curveEntry seriesKeys)
        // the title is centred over the data area: the panel less its gutter, axis and legend
        setTitle p title (titleRoom width (legendWidth entries))
        let palette = paletteFor curves.Length
        for i, c in List.indexed curves do
            let color = palette.GetColor i
            if c.Groups |> List.exists (fun g -> (completed g).Length > 1) then
                let band = p.Add.FillY(c.Xs, c.Lows, c.Highs)
                band.FillColor <- color.WithAlpha 0.18
                band.LineColor <- Colors.Transparent
            let line = p.Add.Scatter(c.Xs, c.Means, color)
            line.LineWidth <- 2.0f
            // markers on each epoch while they stay apart
            line.MarkerSize <- if c.Xs.Length <= 30 then 4.0f else 0.0f
            line.LegendText <- curveEntry seriesKeys c
        let longest = curves |> List.map (fun c -> c.Xs.Length) |> List.max
        tickAt p.Axes.Bottom [ for e in 1 .. longest -> float e ]
        p.Axes.SetLimitsX(0.5, float longest + 0.5)
        p.Axes.SetLimitsY(bottom, top)
        Some(legendOutside p)

/// Mean test metric per epoch (± sd over seeds as a band, n in the legend), one panel per (model, task) and
/// whatever further split keeps ≤ 10 curves in a panel; at most `maxPanels` panels a file (learning-curves.png, else
/// one file per leading facet values, learning-curves-<values>.png). What all panels of a file share is said once,
/// in its title.
let learningCurves (dir: string) (grid: string) (gs: Group list) =
    let facetKeys, seriesKeys, panels = facets 10 [ "model"; "dataset" ] gs
    let depth, files = filesOf facetKeys panels
    let fileKeys, panelKeys = List.truncate depth facetKeys, List.skip depth facetKeys
    [ for fileValues, part, members in files do
          let context = contextTitle gs fileKeys fileValues
          let owns = members |> List.map (fun (values, _) -> panelTitle panelKeys (List.skip depth values))
          // a panel whose own title would be empty carries the context instead of the figure title
          let panelTitles, figureContext = if owns |> List.forall ((=) "") then owns |> List.map (fun _ -> context), "" else owns, context
          let width =
              curvesWidth
                  [ for values, ms in members do
                        let curves, _ = curvesOf (taskOf facetKeys values ms) ms
                        yield! curves |> List.map (curveEntry seriesKeys) ]
          let ps =
              List.zip members panelTitles
              |> List.choose (fun ((values, ms), title) -> curvesPanel width title (taskOf facetKeys values ms) seriesKeys ms)
          if not ps.IsEmpty then
              let partText = match part with Some(i, k) -> $" (part {i} of {k})" | None -> ""
              let title = $"{grid}: test metric per epoch, {spreadText gs}" + (if figureContext = "" then "" else $"\n{figureContext}") + partText
              let name = if depth = 0 && part.IsNone then "learning-curves" else "learning-curves-" + fileSlug fileKeys fileValues part
              yield composeSized (width, panelHeight) (Path.Combine(dir, name + ".png")) title (columnsFor ps.Length) ps ]

// ---- heat maps -----------------------------------------------------------------------------------------------

/// How a heat-map cell is drawn.
type Shade =
    /// In the colour of its value.
    | Coloured
    /// A mean whose 95% interval includes zero: the scale's neutral colour, hatched, with its numbers.
    | Indistinct
    /// No value can be defined (its text says why): grey.
    | Undefined
    /// The baseline the other cells are measured against: grey.
    | Baseline

/// One heat-map cell: its value, its text (value and n or interval), how it is drawn and how many runs or pairs
/// stand behind it.
type Cell = { Value: float; Text: string; Shade: Shade; N: int }

let private emptyCell = { Value = nan; Text = ""; Shade = Coloured; N = 0 }

let private luminance (c: Color) = 0.299 * float c.R + 0.587 * float c.G + 0.114 * float c.B

/// The one colour scale of a figure's panels, over the values of its coloured cells: a diverging scale is centred on
/// zero and symmetric, at least ±`least` (a scale of ±0.16 would paint noise in full colour) and at most ±`clip`
/// (a cost reduction cannot exceed 100%: one outlier below −100% does not wash out every other cell; beyond the
/// clip a cell takes the end colour and keeps its number).
let colourRange (diverging: bool) (least: float) (clip: float option) (cells: Cell seq) =
    let values = cells |> Seq.filter (fun c -> c.Shade = Coloured && Double.IsFinite c.Value) |> Seq.map (fun c -> c.Value) |> List.ofSeq
    if diverging then
        let r = values |> List.map abs |> List.fold max least
        let r = match clip with Some c -> min r c | None -> r
        -r, r
    else
        match values with
        | [] -> 0.0, 1.0
        | _ -> List.min values, max (List.max values) (List.min values + 1e-9)

/// A heat map of cells over rows × columns (row 0 at the bottom) on the colour range `lo, hi`.
let private heatPanel (title: string) (rowKey: string) (rows: string list) (colKey: string) (cols: string list) (cells: Cell[,]) (diverging: bool) (lo: float, hi: float) (unit: string) =
    let p = newPanel title (axisName colKey) (axisName rowKey)
    let n, m = rows.Length, cols.Length
    // the array's first row is drawn at the top: reverse so that row 0 sits at y = 0; an indistinct cell takes the
    // neutral colour (zero on a diverging scale)
    let shown (c: Cell) =
        match c.Shade with
        | Coloured -> c.Value
        | Indistinct -> if diverging then 0.0 else c.Value
        | Undefined | Baseline -> nan
    let values = Array2D.init n m (fun r c -> shown cells[n - 1 - r, c])
    let hm = p.Add.Heatmap values
    let colormap: IColormap = if diverging then Colormaps.Balance() else Colormaps.Viridis()
    hm.Colormap <- colormap
    hm.NaNCellColor <- Colors.LightGray
    hm.ManualRange <- Nullable(Range(lo, hi))
    let bar = p.Add.ColorBar(hm, Edge.Right)
    bar.Label <- unit
    for i in 0 .. n - 1 do
        for j in 0 .. m - 1 do
            let cell = cells[i, j]
            if cell.Shade = Indistinct then
                let hatch = p.Add.Rectangle(float j - 0.5, float j + 0.5, float i - 0.5, float i + 0.5)
                // the cell's own (neutral) colour under grey stripes (a hatch needs a fill to be drawn on)
                hatch.FillColor <- colormap.GetColor(Math.Clamp((shown cell - lo) / (hi - lo), 0.0, 1.0))
                hatch.FillHatch <- Hatches.Striped(Hatches.StripeDirection.DiagonalUp)
                hatch.FillHatchColor <- Colors.Gray.WithAlpha 0.45
                hatch.LineWidth <- 0.0f
            // a cell without a value shows its text only when it says why (n/a, the baseline)
            if Double.IsFinite(shown cell) || cell.Text <> "" then
                let t = p.Add.Text(cell.Text, float j, float i)
                t.Alignment <- Alignment.MiddleCenter
                t.LabelFontSize <- (if m > 6 then 10.0f else 12.0f)
                t.LabelFontColor <-
                    let v = shown cell
                    if not (Double.IsFinite v) then Colors.DimGray
                    elif luminance (colormap.GetColor(Math.Clamp((v - lo) / (hi - lo), 0.0, 1.0))) < 128.0 then Colors.White
                    else Colors.Black
    p.Axes.Bottom.SetTicks([| for j in 0 .. m - 1 -> float j |], cols |> List.map (valueText colKey) |> Array.ofList)
    p.Axes.Left.SetTicks([| for i in 0 .. n - 1 -> float i |], rows |> List.map (valueText rowKey) |> Array.ofList)
    p.Axes.SetLimits(-0.5, float m - 0.5, -0.5, float n - 0.5)
    noLegend p

/// What a figure's cells need said under its title: single runs, hatched cells, first readings, and why a cell is
/// n/a (`undefinedText`).
let private cellNotes (undefinedText: string) (cells: Cell list) =
    let valued = cells |> List.filter (fun c -> c.N > 0 && c.Shade <> Baseline)
    [ if not valued.IsEmpty && valued |> List.forall (fun c -> c.N = 1) then "n = 1 per cell (single runs)"
      if valued |> List.exists (fun c -> c.N > 1 && c.N < firstReadingBelow) then $"fewer than {firstReadingBelow} pairs: a first reading"
      if valued |> List.exists (fun c -> c.Shade = Indistinct) then "hatched, uncoloured: the 95% interval includes 0"
      if valued |> List.exists (fun c -> c.Shade = Undefined) then undefinedText ]

/// The title of a figure with its notes on a line of their own.
let private withNotes (title: string) (notes: string list) = if notes.IsEmpty then title else title + "\n" + String.Join("; ", notes)

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

/// Heat maps of `cellOf` over two parameters, one panel per value of the remaining ones, all on one colour scale
/// (`rangeOf` of every cell of the figure); the title gets the cells' notes.
let private heatFigure (path: string) (title: string) (gs: Group list) (keys: string list) (cellOf: Group -> Cell) (diverging: bool) (rangeOf: Cell list -> float * float) (undefinedText: string) (unit: string) =
    match heatKeys keys gs with
    | None -> None
    | Some(rowKey, colKey, others) ->
        let byPanel = gs |> List.groupBy (fun g -> others |> List.map (fun k -> valueOf k g)) |> List.sortBy (fst >> List.map sortKey)
        let titles, context = titlesOf gs others (List.map fst byPanel)
        let panels =
            [ for (_, members), panelTitle in List.zip byPanel titles do
                  let rows = members |> List.map (valueOf rowKey) |> List.distinct |> List.sortBy sortKey
                  let cols = members |> List.map (valueOf colKey) |> List.distinct |> List.sortBy sortKey
                  let cells =
                      Array2D.init rows.Length cols.Length (fun i j ->
                          match members |> List.tryFind (fun g -> valueOf rowKey g = rows[i] && valueOf colKey g = cols[j]) with
                          | Some g -> cellOf g
                          | None -> emptyCell)
                  yield panelTitle, rows, cols, cells ]
        let all = [ for _, _, _, cells in panels do yield! Seq.cast<Cell> cells ]
        let range = rangeOf all
        let ps = [ for t, rows, cols, cells in panels -> heatPanel t rowKey rows colKey cols cells diverging range unit ]
        let title = if context = "" then title else $"{title} · {context}"
        Some(compose path (withNotes title (cellNotes undefinedText all)) (columnsFor ps.Length) ps)

/// The tasks of groups named for a title's unit: "%" where all are scored by accuracy, with the cosine similarity
/// named where NETtalk is among them.
let private metricUnit (gs: Group list) =
    let tasks = gs |> List.map (valueOf "dataset") |> List.distinct
    if tasks |> List.exists (fun t -> metricOf t = DataSets.CosineSimilarity) then "%; NETtalk: cosine similarity" else "%"

/// Mean best test metric of every configuration over two parameters (± sd and n in each cell), one colour scale.
let accuracyHeatmap (dir: string) (grid: string) (gs: Group list) =
    let keys = distinguishing gs
    match heatKeys keys gs with
    | Some(rowKey, colKey, _) ->
        let cellOf (g: Group) =
            match completed g |> List.map (fun r -> 100.0 * bestAcc r) with
            | [] -> emptyCell
            | [ x ] -> { Value = x; Text = $"{plainText x}\nn = 1"; Shade = Coloured; N = 1 }
            | xs -> let m, s = Stats.meanSd xs in { Value = m; Text = $"{plainText m} ± {plainText s}\nn = {xs.Length}"; Shade = Coloured; N = xs.Length }
        let name = $"best-accuracy-over-{slug (shortName rowKey)}-and-{slug (shortName colKey)}.png"
        let spread = if gs |> List.forall (fun g -> (completed g).Length <= 1) then "" else ", mean ± sd over seeds"
        heatFigure (Path.Combine(dir, name)) $"{grid}: best test metric ({metricUnit gs}){spread}" gs keys cellOf false (colourRange false 0.0 None) "" "best test metric (%)"
        |> Option.toList
    | None -> []

/// What a paired cell shows: the rule's Δ best test metric against its baseline, or the paper's cost reduction.
type Quantity =
    | DeltaAccuracy
    | CostReduction

/// Why a cost-reduction cell is n/a.
let private costUndefined = "n/a: both runs at every error level from their first epoch (no level tells them apart)"

/// A heat-map cell of a paired quantity of a rule against its baseline (in points or %): the mean, with its 95%
/// interval from 2 pairs on (hatched when it includes 0, a first reading below 5 pairs), or the single value and
/// n = 1. A cost reduction is n/a when in every pair both runs were at every error level of the metric from their
/// first epoch: the levels tell the runs apart in nothing, and its 0 would read as "no difference".
let pairedCell (q: Quantity) (p: Pair) =
    let values = p.Pairs |> List.map (fun m -> 100.0 * (match q with DeltaAccuracy -> m.Delta | CostReduction -> m.Reduction))
    let n = values.Length
    let undefined = q = CostReduction && p.Pairs |> List.forall (fun m -> m.BaseEpochs <= 1.0 && m.RuleEpochs <= 1.0)
    match values with
    | [] -> emptyCell
    | _ when undefined -> { Value = nan; Text = $"n/a\nn = {n}"; Shade = Undefined; N = n }
    | [ x ] -> { Value = x; Text = $"{signedText x}\nn = 1"; Shade = Coloured; N = 1 }
    | xs ->
        let e = Inference.tInterval xs
        let m, lo, hi = e.Mean, e.Low, e.High
        let count = if n < firstReadingBelow then $"first reading, n = {n}" else $"n = {n}"
        { Value = m
          Text = $"{signedText m}\n[{signedText lo}, {signedText hi}]\n{count}"
          Shade = (if lo <= 0.0 && hi >= 0.0 then Indistinct else Coloured)
          N = n }

/// The colour range of Δ best test metric (at least ±1 point) and of the cost reduction (at least ±10%, clipped at
/// ±100%).
let private deltaRange = colourRange true 1.0 None
let private costRange = colourRange true 10.0 (Some 100.0)

/// Heat maps of what a rule changes against its baseline, paired by replicate: Δ best test metric (points, with a
/// 95% interval from 2 pairs on) and the paper's cost reduction (%, mean of pairs); the latter over n_free ×
/// n_nudge is the paper's Fig. 4.
let pairHeatmaps (dir: string) (grid: string) (ps: Pair list) =
    let rules = ps |> List.map (fun p -> p.Rule)
    let keys = distinguishing rules |> List.filter ((<>) "rule") |> fun ks -> ks @ (if (rules |> List.map (valueOf "rule") |> List.distinct).Length > 1 then [ "rule" ] else [])
    match heatKeys keys rules with
    | Some(rowKey, colKey, _) when numericKey rules rowKey && numericKey rules colKey ->
        let pairOf (g: Group) = ps |> List.find (fun p -> obj.ReferenceEquals(p.Rule, g))
        let cell (q: Quantity) (g: Group) = pairedCell q (pairOf g)
        let over = $"{slug (shortName rowKey)}-and-{slug (shortName colKey)}"
        let fig4 = if rowKey = "freeIterations" && colKey = "nudgeIterations" then " (the paper's Fig. 4)" else ""
        [ heatFigure (Path.Combine(dir, $"delta-accuracy-over-{over}.png")) $"{grid}: Δ best test metric against the baseline (points), paired by replicate"
              rules keys (cell DeltaAccuracy) true deltaRange "" "Δ best test metric (points)"
          heatFigure (Path.Combine(dir, $"cost-reduction-over-{over}.png")) $"{grid}: the paper's cost reduction against the baseline (%%), paired by replicate{fig4}"
              rules keys (cell CostReduction) true costRange costUndefined "cost reduction (%)" ]
        |> List.choose id
    | _ -> []

/// Paired differences (Δ best test metric, points) of every rule against its baseline, one panel per (model, task)
/// with its own scale: a forest plot for grids whose pairs do not span two numeric parameters. Each row's label
/// carries its numbers: the mean, its 95% Student-t interval from 2 pairs on (a whisker), and how many pairs (fewer
/// than 5: a first reading); a single pair is a dot without interval.
let pairedDifferences (dir: string) (grid: string) (ps: Pair list) =
    let ps = ps |> List.filter (fun p -> not p.Pairs.IsEmpty)
    if ps.IsEmpty then []
    else
        let rules = ps |> List.map (fun p -> p.Rule)
        let facetKeys, seriesKeys, _ = facets 100 [ "model"; "dataset" ] rules
        let seriesKeys = seriesKeys |> List.filter ((<>) "rule")
        let byFacet = ps |> List.groupBy (fun p -> facetKeys |> List.map (fun k -> valueOf k p.Rule)) |> List.sortBy (fst >> List.map sortKey)
        let tallest = byFacet |> List.map (fun (_, m) -> m.Length) |> List.max
        let titles, context = titlesOf rules facetKeys (List.map fst byFacet)
        let panels =
            [ for (values, members), title in List.zip byFacet titles do
                  let task = taskOf facetKeys values (members |> List.map (fun p -> p.Rule))
                  let unit = (metricName task).Replace("test ", "Δ best test ").Replace("(%)", "(points)")
                  let p = newPanel title unit ""
                  let palette = paletteFor members.Length
                  let n = members.Length
                  let labels =
                      [ for i, pair in List.indexed members do
                            let ds = pair.Pairs |> List.map (fun m -> 100.0 * m.Delta)
                            let e = Inference.tInterval ds
                            let m, lo, hi = e.Mean, e.Low, e.High
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
                            yield y, $"{rule}{settings} vs {baseline}: {numbers}, {pairsText ds.Length}" ]
                  let zero = p.Add.VerticalLine(0.0)
                  zero.Color <- Colors.Black
                  zero.LinePattern <- LinePattern.Dashed
                  p.Axes.Left.SetTicks(labels |> List.map fst |> Array.ofList, labels |> List.map snd |> Array.ofList)
                  p.Axes.SetLimitsY(-0.7, float n - 0.3)
                  yield noLegend p, labels |> List.map snd ]
        // wide enough that the longest row label leaves the data area 330 pixels
        let panels, labels = List.unzip panels
        let widest = labels |> List.concat |> List.map (textWidth 12.0f) |> List.fold max 0.0f
        let counts = ps |> List.map (fun p -> p.Pairs.Length)
        let what =
            if counts |> List.forall ((=) 1) then "one pair each, n = 1: no interval"
            elif counts |> List.forall ((<=) 2) then "mean and 95% interval"
            else "mean, and its 95% interval where there are 2 pairs or more"
        let first = if counts |> List.exists (fun n -> n > 1 && n < firstReadingBelow) then $"; fewer than {firstReadingBelow} pairs: a first reading" else ""
        [ composeSized (max 820 (int (ceil (widest + 80.0f + 330.0f))), tallest * 38 + 200) (Path.Combine(dir, "paired-differences.png"))
              ($"{grid}: Δ best test metric against the baseline, paired by replicate ({what}{first})" + (if context = "" then "" else $"\n{context}")) 2 panels ]

// ---- the spread ablation --------------------------------------------------------------------------------------

/// The spiking network's base rule and spread of a group, when it is one.
let private baseAndSpread (g: Group) =
    match g.Experiment with
    | Ok e ->
        Experiment.tryConfig SnnConfig.family e
        |> Option.map (fun c ->
            let b = match c.Rule with SnnConfig.Symmetric -> "symmetric" | SnnConfig.SbpBase -> "SBP base" | SnnConfig.Differential -> "differential" | SnnConfig.SpikeTiming _ -> "STDP window" | SnnConfig.Custom r -> r.Name
            // the spread's own words, its mode too (Replace -> "replace")
            let words (s: string) = String.Join(" ", s.Split(' ') |> Array.map caseWords)
            b, (match c.Spread with SnnConfig.NoSpread -> "none" | SnnConfig.Spread s -> words (Spread.label s)))
    | Error _ -> None

/// The spiking network's ablation as heat maps, base rule (rows) × spread (columns), one panel per task on one
/// colour scale: Δ best test metric and the paper's cost reduction against symmetric STDP without spread, paired by
/// replicate (mean and 95% interval; the baseline's own cell is grey). Drawn when a grid holds at least two base
/// rules and two spreads.
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
        let figure (name: string) (title: string) (q: Quantity) (range: Cell list -> float * float) (undefinedText: string) (unit: string) =
            let grids =
                [ for task in tasks ->
                      task,
                      Array2D.init bases.Length spreads.Length (fun i j ->
                          match cells |> List.tryFind (fun ((b, s), p) -> b = bases[i] && s = spreads[j] && valueOf "dataset" p.Rule = task) with
                          | Some(_, p) -> pairedCell q p
                          | None when bases[i] = "symmetric" && spreads[j] = "none" -> { emptyCell with Text = "baseline"; Shade = Baseline }
                          | None -> emptyCell) ]
            let all = [ for _, g in grids do yield! Seq.cast<Cell> g ]
            let lo, hi = range all
            let panels = [ for task, g in grids -> heatPanel (taskName task) "base rule" bases "spread" spreads g true (lo, hi) unit ]
            // one panel a row, wide enough for a mean and its interval in every cell
            composeSized (max 900 (160 * spreads.Length + 300), 470) (Path.Combine(dir, name))
                (withNotes $"{grid}: {title}, against symmetric STDP without spread, paired by replicate" (cellNotes undefinedText all)) 1 panels
        [ figure "spread-delta-accuracy.png" "Δ best test metric (points) by base rule and spread" DeltaAccuracy deltaRange "" "Δ best test metric (points)"
          figure "spread-cost-reduction.png" "the paper's cost reduction (%), mean of the pairs, by base rule and spread" CostReduction costRange costUndefined "cost reduction, mean of pairs (%)" ]

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
/// reduction (%), the paper's value as an open diamond and ours as a dot with its 95% interval (from 2 pairs on;
/// fewer than 5 pairs read as a first reading). The report's
/// criterion is drawn with them: a grey bar at half the paper's value (a claim asks our interval's lower end to
/// reach it, for the gain and for the cost reduction alike) and, for accuracy, a dotted line at −0.5 points (the loss that still counts
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
                   if Double.IsNaN m then $"{r.Label}: no such claim in the paper" else
                   let spread = if r.Pairs > 1 then $" [{signedText (100.0 * lo)}, {signedText (100.0 * hi)}]" else ""
                   $"{r.Label}: {signedText (100.0 * m)}{spread}, {pairsText r.Pairs}" |]
        let accuracyLabels, costLabels = labelsOf (fun r -> r.Delta), labelsOf (fun r -> r.Cost)
        // the tick labels' width in both panels, so that their data areas line up
        let labelRoom = Array.append accuracyLabels costLabels |> Array.map (textWidth 12.0f) |> Array.max
        let keptText = $"{signedText (-100.0 * accuracyKept)} points: the no-loss margin"
        // an interval needs 2 pairs: a single pair is a dot alone
        let oursText =
            if rows |> List.forall (fun r -> r.Pairs <= 1) then "ours (n = 1: no interval)"
            elif rows |> List.forall (fun r -> r.Pairs > 1) then "ours (95% interval)"
            else "ours (95% interval where n ≥ 2)"
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
            mine.LegendText <- oursText
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
            // a cost reduction lies below 100%; an interval reaching far below −100% (a rule several times slower at
            // its extreme) is cut at the axis, its number is in the row's label
            if unit.StartsWith "cost" then
                let lows = [ for r in rows -> let _, lo, _ = ours r in 100.0 * lo ] |> List.filter Double.IsFinite
                let lowest = if lows.IsEmpty then -10.0 else List.min lows
                p.Axes.SetLimitsX(max -105.0 (min -10.0 (lowest - 5.0)), 105.0)
            legendOutside p
        let panels =
            [ panel "accuracy: with SBP − without (the metric's points)" "Δ best test metric (points)" (fun r -> r.PaperDelta) (fun r -> r.Delta)
                  accuracyLabels
                  (if rows |> List.exists (fun r -> r.Pairs > 1) then "half the paper's (our interval's lower end to reach it)" else "half the paper's (the gain criterion; untested at n = 1)")
                  (Some(-100.0 * accuracyKept))
              panel "cost: the authors' cost reduction (per pair)" "cost reduction (%)" (fun r -> r.PaperCost) (fun r -> r.Cost) costLabels
                  (if rows |> List.exists (fun r -> r.Pairs > 1) then "half the paper's (our interval's lower end to reach it)" else "half the paper's (the cost criterion; untested at n = 1)")
                  None ]
        // the narrower legend padded on its right to the wider one's width, so that the data areas also end at one x
        let widths = panels |> List.map (fun p -> use image = p.Plot.GetLegendImage() in float32 image.Width)
        for p, w in List.zip panels widths do
            p.LegendPanel |> Option.iter (fun lp -> lp.Padding <- PixelPadding(lp.Padding.Left, lp.Padding.Right + List.max widths - w, lp.Padding.Bottom, lp.Padding.Top))
        Some(composeSized (1300, n * 46 + 190) path "The paper's figures beside ours (paired replicates; open diamond: the paper)" 1 panels)

// ---- sweeps --------------------------------------------------------------------------------------------------

/// Mean best test metric (± sd band) against a numeric parameter with ≥ 3 values, one panel per (model, task)
/// and further split while a panel would hold more than 10 lines; the axis within the metric's bounds, at least 5
/// points tall. What every panel shares (the grid's one model or task) is said once, in the figure title.
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
        let byPanel = gs |> List.groupBy (fun g -> facetKeys |> List.map (fun k -> valueOf k g)) |> List.sortBy (fst >> List.map sortKey)
        let titles, context = titlesOf gs facetKeys (List.map fst byPanel)
        let panels =
            [ for (values, members), title in List.zip byPanel titles do
                  let task = taskOf facetKeys values members
                  let bounds = metricBounds task
                  let clamp v = Math.Clamp(v, fst bounds, snd bounds)
                  // each series: (x, mean, sd, n) sorted by x, and its legend text
                  let series =
                      [ for _, sm in members |> List.groupBy (fun g -> seriesKeys |> List.map (fun k -> valueOf k g)) do
                            let points =
                                sm
                                |> List.choose (fun g ->
                                    match completed g |> List.map (fun r -> 100.0 * bestAcc r) with
                                    | [] -> None
                                    | best -> let m, sd = Stats.meanSd best in Some((tryNumber (valueOf xKey g)).Value, m, sd, best.Length))
                                |> List.sortBy (fun (x, _, _, _) -> x)
                            if not points.IsEmpty then
                                let ns = points |> List.map (fun (_, _, _, n) -> n) |> List.distinct
                                let nText = match ns with [ k ] -> $"n = {k}" | _ -> $"n = {List.min ns}–{List.max ns}"
                                let name = if seriesKeys.IsEmpty then "mean over seeds" else describe seriesKeys sm.Head
                                yield points, $"{name} ({nText})" ]
                  let p = newPanel title (axisName xKey) ("best " + metricName task)
                  setTitle p title (titleRoom panelWidth (legendWidth (List.map snd series)))
                  let palette = paletteFor series.Length
                  for i, (points, label) in List.indexed series do
                      let xs = points |> List.map (fun (x, _, _, _) -> x) |> Array.ofList
                      let color = palette.GetColor i
                      if points |> List.exists (fun (_, _, _, n) -> n > 1) then
                          let band = p.Add.FillY(xs, [| for _, m, s, _ in points -> clamp (m - s) |], [| for _, m, s, _ in points -> clamp (m + s) |])
                          band.FillColor <- color.WithAlpha 0.18
                          band.LineColor <- Colors.Transparent
                      let line = p.Add.Scatter(xs, [| for _, m, _, _ in points -> m |], color)
                      line.LineWidth <- 2.0f
                      line.LegendText <- label
                  tickAt p.Axes.Bottom [ for points, _ in series do for x, _, _, _ in points -> x ]
                  let drawn = [ for points, _ in series do for _, m, s, _ in points do yield m - s; yield m + s ]
                  if not drawn.IsEmpty then
                      let bottom, top = metricLimits bounds drawn
                      p.Axes.SetLimitsY(bottom, top)
                  yield legendOutside p ]
        let name = $"best-accuracy-against-{slug (shortName xKey)}.png"
        let title = $"{grid}: best test metric against {axisName xKey}, {spreadText gs}" + (if context = "" then "" else $"\n{context}")
        [ compose (Path.Combine(dir, name)) title (columnsFor panels.Length) panels ]
    | [] -> []

// ---- weights and rasters -------------------------------------------------------------------------------------

/// The connection a weight matrix stands for: "input → hidden 1", "hidden 2 → output".
let connectionName (layer: int) (connections: int) =
    let node i = if i = 0 then "input" elif i = connections then "output" else $"hidden {i}"
    $"{node layer} → {node (layer + 1)}"

/// One drawn weight histogram: bin edges, the density in each bin (the share of the connection's synapses per unit
/// of weight), the share of synapses outside the bins drawn, and the extreme weights.
type WeightCurve = { Label: string; Edges: float[]; Densities: float[]; Outside: float; Min: float; Max: float }

/// The histograms of one connection as drawn: the curves, the weight range on the axis, and whether the curves
/// share their bins (artifacts written before bins were shared have each histogram on bins of its own).
type WeightPanel = { Curves: WeightCurve list; View: float * float; SharedBins: bool }

/// The weight range that holds the 0.5th to the 99.5th percentile of a histogram's synapses, by whole bins.
let private robustRange (h: Artifacts.Histogram) =
    let total = float (Array.sum h.Counts + h.Below + h.Above)
    let cumulative = Array.scan (+) h.Below h.Counts |> Array.map (fun c -> float c / max 1.0 total)
    let first = cumulative |> Array.tryFindIndex (fun c -> c > 0.005) |> Option.defaultValue 1
    let last = cumulative |> Array.tryFindIndex (fun c -> c >= 0.995) |> Option.defaultValue h.Counts.Length
    h.Lower + float (max 0 (first - 1)) * h.Width, h.Lower + float (max 1 last) * h.Width

/// The drawn curves of a connection's initial (when kept) and trained histograms, as densities. On shared bins the
/// axis spans the bins (which outliers do not stretch: Artifacts.sharedBins). On bins of their own (earlier files,
/// whose bins span every weight, and a trained histogram alone) the axis spans the 0.5th to the 99.5th percentile
/// of both, widened by a tenth, and the bins beyond it are counted as outside. For each curve the densities times
/// the bin widths plus the share outside make 1.
let weightPanel (initial: Artifacts.Histogram option) (trained: Artifacts.Histogram) =
    let hs = [ match initial with Some i -> yield "initial", i | None -> ()
               yield "trained", trained ]
    let sameBins (a: Artifacts.Histogram) (b: Artifacts.Histogram) = a.Lower = b.Lower && a.Width = b.Width && a.Counts.Length = b.Counts.Length
    // a trained histogram alone (files written before the initial weights were kept) has the bins of an earlier file
    let shared = initial |> Option.exists (fun i -> sameBins i trained)
    let lo, hi =
        if shared then trained.Lower, trained.Lower + float trained.Counts.Length * trained.Width
        else
            let ranges = hs |> List.map (snd >> robustRange)
            let lo, hi = ranges |> List.map fst |> List.min, ranges |> List.map snd |> List.max
            max (hs |> List.map (fun (_, h) -> h.Lower) |> List.min) (lo - 0.1 * (hi - lo)),
            min (hs |> List.map (fun (_, h) -> h.Lower + float h.Counts.Length * h.Width) |> List.max) (hi + 0.1 * (hi - lo))
    let curve (label: string, h: Artifacts.Histogram) =
        let total = max 1.0 (float (Array.sum h.Counts + h.Below + h.Above))
        // the bins that reach into the axis's range
        let kept = [| for b in 0 .. h.Counts.Length - 1 do if h.Lower + float (b + 1) * h.Width > lo && h.Lower + float b * h.Width < hi then b |]
        let inside = kept |> Array.sumBy (fun b -> h.Counts[b])
        { Label = label
          Edges = if kept.Length = 0 then [||] else [| for b in kept[0] .. kept[kept.Length - 1] + 1 -> h.Lower + float b * h.Width |]
          Densities = kept |> Array.map (fun b -> float h.Counts[b] / (total * h.Width))
          Outside = 1.0 - float inside / total
          Min = h.Min
          Max = h.Max }
    { Curves = hs |> List.map curve; View = (lo, hi); SharedBins = shared }

/// A share as a percentage that never reads as 0 when it is not: "0.8%", "<0.01%".
let private shareText (x: float) = if x < 0.0001 then "<0.01%" else (100.0 * x).ToString("0.##", inv) + "%"

/// Weight histograms of one run, one panel per connection, initial against trained, as densities on shared bins;
/// y from 0. What lies outside the axis is said in the panel's title, with the extreme weights.
let weights (path: string) (title: string) (a: Artifacts.Artifacts) =
    let connections = a.Weights.Length
    let views = [ for h in a.Weights -> h, weightPanel (a.Initial |> List.tryFind (fun i -> i.Layer = h.Layer)) h ]
    let panels =
        [ for h, view in views do
              let outside =
                  [ for c in view.Curves do
                        if c.Outside > 0.0 then
                            let least, most = c.Min.ToString("G3", inv), c.Max.ToString("G3", inv)
                            $"{c.Label} {shareText c.Outside} (from {least} to {most})" ]
              let note = if outside.IsEmpty then "" else "\noutside the axis: " + String.Join(", ", outside)
              let title = connectionName h.Layer connections + note
              let p = newPanel title "synaptic weight" "density (share of synapses per unit weight)"
              let mutable top = 0.0
              for c in view.Curves do
                  // a step outline over the bins: each bin's density held from its lower to its upper edge
                  let xs = [| for b in 0 .. c.Densities.Length - 1 do yield c.Edges[b]; yield c.Edges[b + 1] |]
                  let ys = [| for d in c.Densities do yield d; yield d |]
                  if xs.Length > 0 then
                      let s = p.Add.Scatter(xs, ys, (if c.Label = "initial" then Colors.Gray else Palettes.Category10().GetColor 0))
                      s.MarkerSize <- 0.0f
                      s.LineWidth <- 2.0f
                      s.LegendText <- c.Label
                      top <- max top (Array.max ys)
              setTitle p title (titleRoom panelWidth 110.0f)
              p.Axes.SetLimitsX(fst view.View, snd view.View)
              p.Axes.SetLimitsY(0.0, 1.08 * top |> max 1e-6)
              yield legendOutside p ]
    let bins =
        if views |> List.forall (fun (_, v) -> v.SharedBins) then "densities on shared bins"
        elif a.Initial.IsEmpty then "densities (artifacts written before the initial weights were kept)"
        else "densities, each on bins of its own (artifacts written before bins were shared)"
    compose path $"{title}: weights before and after training, {bins}" (columnsFor panels.Length) panels

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
    compose path $"{title}: hidden-layer spikes of test samples" (min 3 (max 1 panels.Length)) panels

// ---- everything for a grid -----------------------------------------------------------------------------------

/// The words for one run of a grid in a figure title: its model, what tells its configuration apart from the
/// grid's others (its rule, task, parameters), and its replicate (never its seed, a 19-digit number).
let runTitle (gs: Group list) (g: Group) (r: RunRecord.Record) =
    let shown = distinguishing gs |> List.filter ((<>) "model")
    let words =
        [ for k in (if shown.IsEmpty then [ "rule" ] else shown) do
              match valueOf k g with
              | "" -> ()
              | v when k = "rule" -> $"rule {v}"
              | v when k = "form" -> valueText k v
              | v -> $"{shortName k} {valueText k v}" ]
    let replicate =
        match r.Config |> List.tryFind (fst >> (=) "replicate") with
        | Some(_, RunRecord.Int i) -> [ $"replicate {i}" ]
        | _ -> []
    String.Join(", ", modelName (valueOf "model" g) :: words @ replicate)

/// The figure of a PNG drawn earlier and kept as it is: its size from the file's header, no title or panels.
let private kept (path: string) =
    let header = Array.zeroCreate<byte> 24
    let size =
        try
            use f = File.OpenRead path
            if f.Read(header, 0, 24) = 24 then
                let be (i: int) = (int header[i] <<< 24) ||| (int header[i + 1] <<< 16) ||| (int header[i + 2] <<< 8) ||| int header[i + 3]
                be 16, be 20
            else 0, 0
        with :? IOException -> 0, 0
    { Path = path; Width = fst size; Height = snd size; Title = ""; Panels = [] }

/// Every figure of a grid into results/<grid>/plots/ (earlier figures there are removed, but for the weights and
/// rasters kept below). Weights and rasters are drawn from artifacts, which git does not keep: weights of the lowest
/// replicate (0) of the first four configurations, rasters of the first two of those that recorded spikes; each is
/// drawn where that run's artifacts are here and otherwise kept as drawn before, so that a regeneration on a machine
/// without a grid's artifacts leaves its committed figures as they are.
let figures (resultsRoot: string) (grid: string) (costCap: float option) (gs: Group list) =
    // inside the results folder only: a grid name, no linked grid or plots folder (Tables.gridFolder)
    let dir = Path.Combine(Tables.gridFolder resultsRoot grid, "plots")
    Directory.CreateDirectory dir |> ignore
    let cols = distinguishing gs
    let shown = cols |> List.filter ((<>) "model")
    // the first four configurations, each with the figure name it has always had: the model's short name, then the
    // configuration's words; and its first replicate's artifacts where they are here
    let shownRuns =
        [ for g in gs |> List.truncate 4 do
              let replicate (r: RunRecord.Record) =
                  match r.Config |> List.tryFind (fst >> (=) "replicate") with
                  | Some(_, RunRecord.Int i) -> i
                  | _ -> Int64.MaxValue
              match g.Runs |> List.sortBy replicate with
              | r :: _ ->
                  let label = if shown.IsEmpty then valueOf "rule" g else describe shown g
                  let name = slug (valueOf "model" g + " " + label)
                  let artifacts =
                      match r.Config |> List.tryFind (fst >> (=) "experimentId") with
                      | Some(_, RunRecord.Text eid) ->
                          let apath = Path.Combine(resultsRoot, grid, eid, "artifacts.json")
                          // a bad artifacts file is skipped here (the runner regenerates it on the grid's next run)
                          if not (File.Exists apath) then None
                          else try Some(Artifacts.read apath) with :? InvalidDataException | :? IOException -> None
                      | _ -> None
                  yield g, r, name, artifacts
              | [] -> () ]
        // two configurations whose words give one file name (0.5 and −0.5): the first keeps it
        |> List.distinctBy (fun (_, _, name, _) -> name)
    let existing (f: string) = File.Exists(Path.Combine(dir, f))
    // rasters of the first two of these that recorded spikes (one drawn before counts where its artifacts are not here)
    let rasters =
        shownRuns
        |> List.filter (fun (_, _, name, a) ->
            match a with
            | Some a -> a.RasterSamples > 0
            | None -> existing $"raster-{name}.png")
        |> List.truncate 2
        |> List.map (fun (_, _, n, _) -> n)
    let keep =
        set [ for _, _, name, a in shownRuns do
                  if a.IsNone then
                      if existing $"weights-{name}.png" then $"weights-{name}.png"
                      if List.contains name rasters then $"raster-{name}.png" ]
    // a regeneration replaces every other plot: none of an earlier, different grid is left behind
    for old in Directory.GetFiles(dir, "*.png") do
        if not (keep.Contains(Path.GetFileName old)) then File.Delete old
    let ps = pairs costCap gs
    [ yield! learningCurves dir grid gs
      yield! accuracyHeatmap dir grid gs
      let heat = pairHeatmaps dir grid ps
      yield! heat
      yield! spreadHeatmaps dir grid ps
      if heat.IsEmpty then yield! pairedDifferences dir grid ps
      yield! sweep dir grid gs
      for g, r, name, artifacts in shownRuns do
          match artifacts with
          | Some a ->
              let title = runTitle gs g r
              yield weights (Path.Combine(dir, $"weights-{name}.png")) title a
              if List.contains name rasters then
                  yield raster (Path.Combine(dir, $"raster-{name}.png")) title a
          | None ->
              if keep.Contains $"weights-{name}.png" then yield kept (Path.Combine(dir, $"weights-{name}.png"))
              if List.contains name rasters then yield kept (Path.Combine(dir, $"raster-{name}.png")) ]

/// Every figure of a grid into results/<grid>/plots/; returns the files written.
let write (resultsRoot: string) (grid: string) (costCap: float option) (gs: Group list) =
    figures resultsRoot grid costCap gs |> List.map (fun f -> f.Path)

// ---- the authors' code beside ours --------------------------------------------------------------------------

/// One rule's curves for `referenceCurves`: ours (the mean over replicates per epoch, and how many), the authors'
/// code's (one run, possibly fewer epochs) and the paper's reported level.
type ReferenceRule = { Rule: string; Ours: float list; Replicates: int; Authors: float list; Paper: float }

/// Test accuracy per epoch (%): our mean curve of each rule as a line, the authors' code's run as open circles on a
/// dashed line, the paper's reported level as a dotted line, one colour per rule. The y axis spans the curves after
/// their first epoch and the paper's levels, so that the epoch-to-epoch steps the criterion judges stay readable.
let referenceCurves (path: string) (title: string) (rules: ReferenceRule list) =
    let p = newPanel "" "epoch" "test accuracy (%)"
    let palette = Palettes.Category10()
    let epochsOf (xs: float list) = [| for i in 1 .. xs.Length -> float i |]
    for i, r in List.indexed rules do
        let colour = palette.GetColor i
        let ours = p.Add.Scatter(epochsOf r.Ours, [| for x in r.Ours -> 100.0 * x |], colour)
        ours.MarkerSize <- 0.0f
        ours.LineWidth <- 2.0f
        ours.LegendText <- (if r.Replicates = 1 then $"Sbp, {r.Rule}: one run" else $"Sbp, {r.Rule}: mean of {r.Replicates} runs")
        if not r.Authors.IsEmpty then
            let theirs = p.Add.Scatter(epochsOf r.Authors, [| for x in r.Authors -> 100.0 * x |], colour)
            theirs.MarkerShape <- MarkerShape.OpenCircle
            theirs.MarkerSize <- 7.0f
            theirs.LinePattern <- LinePattern.Dashed
            theirs.LegendText <- $"the authors' code, {r.Rule} ({r.Authors.Length} epochs)"
        let level = p.Add.HorizontalLine(100.0 * r.Paper)
        level.Color <- colour
        level.LinePattern <- LinePattern.Dotted
        let paper = (100.0 * r.Paper).ToString("F2", inv)
        level.LegendText <- $"the paper, {r.Rule}: {paper}%%"
    let values = [ for r in rules do yield! List.skip (min 1 r.Ours.Length) r.Ours; yield! List.skip (min 1 r.Authors.Length) r.Authors; yield r.Paper ]
    let lo, hi = 100.0 * List.min values, 100.0 * List.max values
    p.Axes.SetLimitsY(floor (lo - 0.5), ceil (hi + 0.5))
    let longest = rules |> List.map (fun r -> max r.Ours.Length r.Authors.Length) |> List.max
    p.Axes.SetLimitsX(0.0, float longest + 1.0)
    composeSized (1000, 520) path title 1 [ legendOutside p ]
