module Sbp.Tests.Experiments.PlotsTests

open System
open System.IO
open Expecto
open FsCheck
open ScottPlot
open Sbp.Experiments
open Sbp.Experiments.RunRecord
open Sbp.Core.Numerics
open Sbp.Tests.TestSupport

let private epoch i acc =
    { Epoch = i; TrainAccuracy = acc; TestAccuracy = acc; TrainError = 1.0 - acc; TestError = 1.0 - acc; Seconds = 1.0; SynapticOps = 100L; Extra = [] }

/// The record the runner writes for replicate `replicate` of a typed experiment (tables read records back into
/// their typed configurations and pair each rule with its family's baseline).
let private run (e: Experiment.Experiment) (replicate: int) (accs: float list) =
    let e = { e with Seed = Experiment.Replicate replicate }
    { Config = Experiment.runConfig e @ [ "experimentId", Text(Experiment.id e); "replicate", Int(int64 replicate) ]
      Seed = Experiment.seed e
      Dataset = { Name = "synthetic"; TrainSize = 10; TestSize = 10; Provenance = "synthetic" }
      Epochs = accs |> List.mapi (fun i a -> epoch (i + 1) a)
      Status = Completed
      GitCommit = "test" }

/// Learning curves that rise to `top` with a little replicate noise.
let private curve (top: float) (replicate: int) = [ for e in 1 .. 8 -> top * (1.0 - exp (-float e / 2.0)) + 0.005 * float replicate ]

/// A grid with two models on two tasks: the SNN with 3 rules × 4 values of a numeric parameter (12 curves per
/// task, more than a panel may hold), equilibrium propagation with and without SBP over n_free × n_nudge.
let private records () =
    let snnRules = [ SnnConfig.defaults; SnnConfig.paperSbp; { SnnConfig.defaults with Rule = SnnConfig.SbpBase } ]
    let eqRules = [ EqPropConfig.defaults; { EqPropConfig.defaults with Rule = EqPropConfig.SbpOperator Spread.reference } ]
    [ for replicate in 0 .. 2 do
          for dataset in [ DataSets.Mnist; DataSets.Nettalk ] do
              for i, rule in List.indexed snnRules do
                  for window in [ 2; 5; 10; 20 ] do
                      let c = { rule with Run.Dataset = dataset; Run.Epochs = 8; TimeWindowMs = float32 window }
                      yield run (SnnConfig.experiment c) replicate (curve (0.8 + 0.03 * float i + 0.002 * float window) replicate)
              for i, rule in List.indexed eqRules do
                  for nFree in [ 1; 6; 11 ] do
                      for nNudge in [ 1; 6 ] do
                          let c = { rule with Run.Dataset = dataset; Run.Epochs = 8; FreeIterations = nFree; NudgeIterations = nNudge }
                          yield run (EqPropConfig.experiment c) replicate (curve (0.7 + 0.02 * float (i + nFree + nNudge)) replicate) ]

let private pngSize (path: string) =
    let b = File.ReadAllBytes path
    let be (o: int) = (int b[o] <<< 24) ||| (int b[o + 1] <<< 16) ||| (int b[o + 2] <<< 8) ||| int b[o + 3]
    Expect.equal (b[1..3] |> Array.map char |> String) "PNG" $"{path} is a PNG"
    be 16, be 20

let private intersects (a: PixelRect) (b: PixelRect) =
    a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom

let private inside (outer: PixelRect) (inner: PixelRect) =
    inner.Left >= outer.Left - 0.5f && inner.Right <= outer.Right + 0.5f && inner.Top >= outer.Top - 0.5f && inner.Bottom <= outer.Bottom + 0.5f

/// What every figure must satisfy: its file has the size it says; every panel's data area lies in its cell and
/// keeps most of it; a legend lies outside the data area, inside the cell.
let private checkLayout (f: Plots.Figure) =
    Expect.isTrue (File.Exists f.Path) $"{f.Path} written"
    Expect.equal (pngSize f.Path) (f.Width, f.Height) $"{Path.GetFileName f.Path}: image size"
    Expect.isNonEmpty f.Panels $"{Path.GetFileName f.Path}: panels"
    for i, p in List.indexed f.Panels do
        let name = $"{Path.GetFileName f.Path} panel {i + 1}"
        Expect.isTrue (inside p.Figure p.Data) $"{name}: data area inside its cell"
        Expect.isGreaterThan (p.Data.Width / p.Figure.Width) 0.35f $"{name}: the data area keeps over a third of the width"
        Expect.isGreaterThan (p.Data.Height / p.Figure.Height) 0.45f $"{name}: the data area keeps most of the height"
        match p.Legend with
        | Some l ->
            Expect.isFalse (intersects l p.Data) $"{name}: the legend does not cover the data"
            Expect.isTrue (inside p.Figure l) $"{name}: the legend is not cut off"
        | None -> ()

/// Every text a figure shows: its title, its panels' titles, legend entries and text ticks.
let private textsOf (f: Plots.Figure) = f.Title :: (f.Panels |> List.collect (fun p -> p.Title :: p.Entries @ p.Ticks))

/// Equilibrium propagation with and without the SBP operator on MNIST, `replicates` pairs whose Δ best accuracy is
/// `delta` (points) give or take `noise` per replicate.
let private eqPairs (replicates: int) (delta: float) (noise: float) =
    let sbp = { EqPropConfig.defaults with Rule = EqPropConfig.SbpOperator Spread.reference; Run.Dataset = DataSets.Mnist; Run.Epochs = 4 }
    let baseline = { EqPropConfig.defaults with Run.Dataset = DataSets.Mnist; Run.Epochs = 4 }
    [ for r in 0 .. replicates - 1 do
          yield run (EqPropConfig.experiment baseline) r (curve 0.8 0)
          let shift = (delta + noise * (if r % 2 = 0 then 1.0 else -1.0)) / 100.0
          yield run (EqPropConfig.experiment sbp) r (curve 0.8 0 |> List.map (fun a -> a + shift)) ]

/// The sum over a drawn histogram of density × bin width, plus the share drawn outside: 1 for a density.
let private mass (c: Plots.WeightCurve) =
    (c.Densities |> Array.mapi (fun b d -> d * (c.Edges[b + 1] - c.Edges[b])) |> Array.sum) + c.Outside

[<Tests>]
let tests =
    testSequenced <| testList "Experiments/Plots and display" [
        testCase "every plot kind renders from synthetic records with readable layout" <| fun () ->
            use d = new TempDir()
            let gs = Tables.groups (records ())
            let curves = Plots.learningCurves d.Path "synthetic" gs
            Expect.isNonEmpty curves "learning curves"
            for f in curves do checkLayout f
            let curvePanels = curves |> List.sumBy (fun f -> f.Panels.Length)
            // 4 (model, task) panels would put 12 SNN curves in one; the split keeps ≤ 10 per panel
            Expect.isGreaterThan curvePanels 4 "the SNN's 12 curves per task are split over panels"
            Expect.isTrue (curves |> List.forall (fun f -> f.Panels |> List.forall (fun p -> p.Legend.IsSome))) "every curve panel has its legend outside"
            let eqGroups = gs |> List.filter (fun g -> g.Key |> List.contains ("model", "eqprop"))
            let pairFigures = Plots.pairHeatmaps d.Path "synthetic" (Tables.pairs None eqGroups)
            Expect.equal (pairFigures |> List.map (fun f -> Path.GetFileName f.Path))
                [ "delta-accuracy-over-n-free-and-n-nudge.png"; "cost-reduction-over-n-free-and-n-nudge.png" ] "Δ and cost heat maps over n_free × n_nudge"
            Expect.equal (pairFigures.Head.Panels.Length) 2 "one panel per task"
            let accuracy = Plots.accuracyHeatmap d.Path "synthetic" (eqGroups |> List.filter (fun g -> g.Key |> List.contains ("rule", "sbp")))
            Expect.equal accuracy.Length 1 "accuracy heat map"
            let snnGroups = gs |> List.filter (fun g -> g.Key |> List.contains ("model", "snn"))
            let forest = Plots.pairedDifferences d.Path "synthetic" (Tables.pairs None snnGroups)
            Expect.equal forest.Length 1 "paired differences"
            let sweeps = Plots.sweep d.Path "synthetic" snnGroups
            Expect.equal sweeps.Length 1 "sweep over the numeric parameter"
            let h layer : Artifacts.Histogram =
                { Layer = layer; Lower = -1.0; Width = 0.1; Counts = Array.init 20 (fun b -> 10 + b * (layer + 1)); Below = 3; Above = 0; Min = -4.0; Max = 1.0 }
            let a =
                { Artifacts.Weights = [ h 0; h 1 ]
                  Artifacts.Initial = [ h 0; h 1 ] |> List.map (fun (x: Artifacts.Histogram) -> { x with Counts = Array.rev x.Counts })
                  Artifacts.Raster = [ for s in 0 .. 1 do for t in 0 .. 99 do if t % (7 + s) = 0 then yield ({ Step = t; Layer = 1; Sample = s; Neuron = t % 30 }: Artifacts.Spike) ]
                  Artifacts.RasterSamples = 2
                  Artifacts.RasterLabels = [ 3; 7 ]
                  Artifacts.Steps = 100
                  Artifacts.DtMs = 0.1 }
            let w = Plots.weights (Path.Combine(d.Path, "weights.png")) "weights" a
            Expect.equal w.Panels.Length 2 "one panel per connection"
            let r = Plots.raster (Path.Combine(d.Path, "raster.png")) "raster" a
            Expect.equal r.Panels.Length 2 "one panel per sample"
            for f in pairFigures @ accuracy @ forest @ sweeps @ [ w; r ] do checkLayout f
            Expect.equal (Plots.connectionName 0 2, Plots.connectionName 1 2, Plots.connectionName 1 3) ("input → hidden 1", "hidden 1 → output", "hidden 1 → hidden 2") "connection names"

        testCase "the paper-vs-ours figure: both panels' data areas line up, whatever their labels' widths" <| fun () ->
            use d = new TempDir()
            let row label pairs (delta: float) (cost: float) : Plots.PaperRow =
                { Label = label; PaperDelta = 0.015; PaperCost = 0.55; Delta = delta, delta - 0.003, delta + 0.003
                  Cost = cost, cost - 0.6, cost + 0.2; Pairs = pairs }
            // cost labels much wider than the accuracy ones, and one row of a single pair (no interval)
            let rows = [ row "spiking network, MNIST" 5 0.02 0.9375; row "equilibrium propagation, NETtalk" 1 -0.001 -1.1579 ]
            match Plots.paperVsOurs (Path.Combine(d.Path, "paper-vs-ours.png")) 0.005 rows with
            | Some f ->
                checkLayout f
                match f.Panels with
                | [ accuracy; cost ] ->
                    // within a pixel: the layout places legends at fractional widths
                    Expect.isLessThan (abs (accuracy.Data.Left - cost.Data.Left)) 1.0f "the data areas start at one x"
                    Expect.isLessThan (abs (accuracy.Data.Right - cost.Data.Right)) 1.0f "and end at one x"
                | ps -> failtestf "two panels expected, got %d" ps.Length
            | None -> failtest "a figure for two rows"
            Expect.isNone (Plots.paperVsOurs (Path.Combine(d.Path, "none.png")) 0.005 []) "no rows, no figure"

        testCase "weight histograms: initial and trained on shared bins that outliers do not stretch, as densities" <| fun () ->
            let rng = Random 7
            let initial = Array.init 10000 (fun _ -> float32 (rng.NextDouble() * 0.2 - 0.1))
            // the trained weights: a narrower bulk and ten outliers at ±12 (as on NETtalk)
            let trained = Array.init 10010 (fun i -> if i < 5 then -12f elif i < 10 then 12f else float32 ((rng.NextDouble() - 0.5) * 0.1))
            let a = Artifacts.ofWeights (Artifacts.histograms [| Matrix(100, 100, initial) |]) [| Matrix(10, 1001, trained) |]
            let w, i = a.Weights.Head, a.Initial.Head
            Expect.equal (i.Lower, i.Width, i.Counts.Length) (w.Lower, w.Width, w.Counts.Length) "one set of bins for both"
            Expect.isTrue (w.Lower >= -0.15 && w.Lower + float w.Counts.Length * w.Width <= 0.15) $"the bins span the bulk, not the outliers: from {w.Lower}, width {w.Width}"
            Expect.equal (w.Below, w.Above, w.Min, w.Max) (5, 5, -12.0, 12.0) "the outliers are counted beyond the bins, with the extremes"
            Expect.equal (Array.sum i.Counts + i.Below + i.Above) 10000 "every initial weight counted once"
            let panel = Plots.weightPanel (Some i) w
            Expect.isTrue panel.SharedBins "drawn on shared bins"
            match panel.Curves with
            | [ ci; ct ] ->
                Expect.equal ci.Edges ct.Edges "identical bin edges"
                Expect.floatClose Accuracy.high ct.Outside (10.0 / 10010.0) "the trained share outside the axis"
                for c in panel.Curves do Expect.floatClose Accuracy.high (mass c) 1.0 $"{c.Label}: a density"
                // the initial curve, uniform over ±0.1, stands at about 1/0.2 = 5 per unit weight (not a fraction of a bin)
                let inner = ci.Densities |> Array.filter (fun d -> d > 0.0)
                Expect.isTrue (abs (Array.average inner[1 .. inner.Length - 2] - 5.0) < 0.5) $"initial density ≈ 5: {Array.average inner}"
            | cs -> failtestf "two curves expected, got %d" cs.Length
            // the file keeps the counts beyond the bins; a file written before them reads with none
            Expect.equal (Artifacts.ofJson "a" (Artifacts.toJson a)) a "written and read back"
            let old = (Artifacts.toJson a).Replace("\"below\":5,", "").Replace("\"above\":5,", "")
            Expect.equal ((Artifacts.ofJson "old" old).Weights.Head.Below) 0 "an earlier file reads"
            // an earlier file's histograms on bins of their own, the trained ones over every weight: the axis holds
            // the bulk of both, and the bins beyond it are counted outside
            let wide = Artifacts.histogramOn 0 (-12.0, 0.4) trained
            let own = Artifacts.histogramOn 0 (-0.1, 0.2 / 60.0) initial
            let legacy = Plots.weightPanel (Some own) wide
            Expect.isFalse legacy.SharedBins "bins of their own"
            Expect.isTrue (fst legacy.View >= -1.0 && snd legacy.View <= 1.0) $"the axis holds the bulk: {legacy.View}"
            for c in legacy.Curves do Expect.floatClose Accuracy.high (mass c) 1.0 $"{c.Label}: a density on its own bins"
            let f = Plots.weights (Path.Combine(Path.GetTempPath(), $"sbp-weights-{Guid.NewGuid():N}.png")) "a run" a
            try
                Expect.stringContains f.Panels.Head.Title "outside the axis" "the outliers are named in the panel"
                Expect.stringContains f.Panels.Head.Title "-12 to 12" "with the range they span"
                Expect.equal f.Panels.Head.Entries [ "initial"; "trained" ] "two curves"
            finally File.Delete f.Path

        property "weight histograms: the two curves' bins are identical and each integrates to 1 with its share outside" <| fun (NonEmptyArray(xs: NormalFloat[])) (NonEmptyArray(ys: NormalFloat[])) ->
            let values (a: NormalFloat[]) = a |> Array.map (fun (NormalFloat x) -> float32 x)
            let initial, trained = values xs, values ys
            let a = Artifacts.ofWeights (Artifacts.histograms [| Matrix(1, initial.Length, initial) |]) [| Matrix(1, trained.Length, trained) |]
            let panel = Plots.weightPanel (List.tryHead a.Initial) a.Weights.Head
            panel.SharedBins
            && (match panel.Curves with [ i; t ] -> i.Edges = t.Edges | _ -> false)
            && panel.Curves |> List.forall (fun c -> abs (mass c - 1.0) < 1e-9)

        property "a test-metric axis stays within the metric's range and spans at least 5 points, for any data" <| fun (values: float list) (cosine: bool) ->
            let lo, hi = if cosine then -100.0, 100.0 else 0.0, 100.0
            let a, b = Plots.metricLimits (lo, hi) values
            a >= lo && b <= hi && b - a >= Plots.minimumSpan - 1e-9
            && values |> List.filter Double.IsFinite |> List.forall (fun v -> let v = Math.Clamp(v, lo, hi) in v >= a - 1e-9 && v <= b + 1e-9)

        testCase "learning curves: accuracy within [0, 100], a flat curve at chance stays flat, coinciding lines share an entry" <| fun () ->
            use d = new TempDir()
            for sub in [ "all"; "flat" ] do Directory.CreateDirectory(d.File sub) |> ignore
            let eq (c: EqPropConfig.EqPropConfig) = EqPropConfig.experiment { c with Run.Dataset = DataSets.Mnist; Run.Epochs = 5 }
            let snn (c: SnnConfig.SnnConfig) = SnnConfig.experiment { c with Run.Dataset = DataSets.Mnist; Run.Epochs = 5 }
            let records =
                [ for r in 0 .. 1 do
                      // replicates at 99% and 30%: mean ± sd reaches past 100
                      yield run (eq EqPropConfig.defaults) r (List.replicate 5 (if r = 0 then 0.99 else 0.30))
                      // at chance with a wobble of 0.05 points
                      yield run (eq { EqPropConfig.defaults with Rule = EqPropConfig.SbpOperator Spread.reference }) r [ 0.1015; 0.102; 0.102; 0.102; 0.102 ]
                      // two rules with the same curve, a third apart
                      for rule in [ SnnConfig.defaults; SnnConfig.paperSbp ] do
                          yield run (snn rule) r [ 0.5; 0.6; 0.7; 0.8; 0.85 ]
                      yield run (snn { SnnConfig.defaults with Rule = SnnConfig.SbpBase }) r [ 0.4; 0.5; 0.6; 0.7; 0.75 ] ]
            let gs = Tables.groups records
            let eqFlat = gs |> List.filter (fun g -> g.Key |> List.contains ("rule", "sbp") && g.Key |> List.contains ("model", "eqprop"))
            let figures = Plots.learningCurves (d.File "all") "g" gs @ Plots.learningCurves (d.File "flat") "flat" eqFlat
            for f in figures do
                checkLayout f
                for p in f.Panels do
                    let a, b = p.YLimits
                    Expect.isTrue (a >= 0.0 && b <= 100.0) $"{p.Title}: accuracy axis {a}..{b} within [0, 100]"
                    Expect.isGreaterThanOrEqual (b - a) (Plots.minimumSpan - 1e-9) $"{p.Title}: at least 5 points tall"
            let snn = figures.Head.Panels |> List.find (fun p -> p.Title.Contains "spiking")
            Expect.equal snn.Entries.Length 2 $"one entry per distinguishable line: {snn.Entries}"
            Expect.isTrue (snn.Entries |> List.exists (fun e -> e.Contains "identical lines" && e.Contains "sbp (n = 2)" && e.Contains "symmetric (n = 2)")) $"the coinciding lines say so: {snn.Entries}"

        testCase "no figure calls one pair an interval; fewer than 5 pairs are a first reading" <| fun () ->
            use d = new TempDir()
            let forest n = Plots.pairedDifferences d.Path "g" (Tables.pairs None (Tables.groups (eqPairs n 2.0 0.5))) |> List.exactlyOne
            let single = forest 1
            for t in textsOf single do
                Expect.isFalse (t.Contains "interval" && not (t.Contains "no interval")) $"n = 1: no interval in '{t}'"
                Expect.isFalse (t.Contains "[") $"n = 1: no bracketed interval in '{t}'"
            let three = forest 3
            Expect.isTrue (three.Panels.Head.Ticks |> List.exists (fun t -> t.Contains "a first reading (n = 3)")) $"n = 3: a first reading: {three.Panels.Head.Ticks}"
            Expect.stringContains three.Title "first reading" "said in the title"
            let five = forest 5
            Expect.stringContains five.Title "95% interval" "n = 5: an interval"
            Expect.isFalse (textsOf five |> List.exists (fun t -> t.Contains "first reading")) "n = 5 is no first reading"
            // the cells of a map, and the paper-vs-ours figure
            let pair n = Tables.pairs None (Tables.groups (eqPairs n 2.0 0.5)) |> List.exactlyOne
            Expect.isFalse ((Plots.pairedCell Plots.DeltaAccuracy (pair 1)).Text.Contains "[") "a single pair's cell has no interval"
            Expect.stringContains (Plots.pairedCell Plots.DeltaAccuracy (pair 3)).Text "first reading, n = 3" "a cell of 3 pairs"
            let row pairs : Plots.PaperRow = { Label = "a"; PaperDelta = 0.01; PaperCost = 0.5; Delta = 0.02, 0.02, 0.02; Cost = 0.3, 0.3, 0.3; Pairs = pairs }
            match Plots.paperVsOurs (d.File "paper.png") 0.005 [ row 1; row 1 ] with
            | Some f ->
                for t in textsOf f do
                    Expect.isFalse (t.Contains "interval" && not (t.Contains "no interval")) $"the paper beside single pairs: '{t}'"
            | None -> failtest "a figure"

        testCase "heat maps: one colour scale across a figure's panels, neutral where the interval includes 0, n/a apart from 0" <| fun () ->
            use d = new TempDir()
            // Δ of about 30 points on MNIST and of 0.1 on NETtalk, one replicate per cell
            let records =
                [ for dataset, gain in [ DataSets.Mnist, 0.3; DataSets.Nettalk, 0.001 ] do
                      for nFree in [ 1; 6 ] do
                          for nNudge in [ 1; 6 ] do
                              let c = { EqPropConfig.defaults with Run.Dataset = dataset; Run.Epochs = 4; FreeIterations = nFree; NudgeIterations = nNudge }
                              yield run (EqPropConfig.experiment c) 0 (curve 0.5 0)
                              let sbp = { c with Rule = EqPropConfig.SbpOperator Spread.reference }
                              yield run (EqPropConfig.experiment sbp) 0 (curve 0.5 0 |> List.map (fun a -> a + gain * float nFree / 6.0)) ]
            let figures = Plots.pairHeatmaps d.Path "g" (Tables.pairs None (Tables.groups records))
            Expect.equal figures.Length 2 "Δ and cost"
            for f in figures do
                checkLayout f
                let ranges = f.Panels |> List.map (fun p -> p.ColourRange)
                Expect.isTrue (ranges |> List.forall Option.isSome) "every panel a heat map"
                Expect.equal (List.distinct ranges).Length 1 $"{Path.GetFileName f.Path}: one colour scale, got {ranges}"
                Expect.stringContains f.Title "n = 1 per cell (single runs)" "single runs said"
            let delta = figures.Head
            Expect.floatClose Accuracy.medium (snd delta.Panels.Head.ColourRange.Value) 30.0 "the scale reaches the largest Δ of either panel"
            // a scale for tiny differences is at least ±1 point; cells whose interval holds 0 are not coloured
            let tiny = [ for x in [ 0.01; -0.02 ] -> { Plots.Value = x; Plots.Text = ""; Plots.Shade = Plots.Coloured; Plots.N = 1 } ]
            Expect.equal (Plots.colourRange true 1.0 None tiny) (-1.0, 1.0) "no saturation on ±0.02"
            let noisy = Tables.pairs None (Tables.groups (eqPairs 5 0.1 3.0)) |> List.exactlyOne
            Expect.equal (Plots.pairedCell Plots.DeltaAccuracy noisy).Shade Plots.Indistinct "an interval across 0 is drawn neutral"
            let clear = Tables.pairs None (Tables.groups (eqPairs 5 5.0 0.5)) |> List.exactlyOne
            Expect.equal (Plots.pairedCell Plots.DeltaAccuracy clear).Shade Plots.Coloured "an interval clear of 0 is coloured"
            // both runs flat: every error level is reached at the first epoch, the cost reduction is undefined
            let flat =
                let b = { EqPropConfig.defaults with Run.Dataset = DataSets.Mnist; Run.Epochs = 4 }
                [ run (EqPropConfig.experiment b) 0 (List.replicate 4 0.102)
                  run (EqPropConfig.experiment { b with Rule = EqPropConfig.SbpOperator Spread.reference }) 0 (List.replicate 4 0.102) ]
            let flatPair = Tables.pairs None (Tables.groups flat) |> List.exactlyOne
            let cost = Plots.pairedCell Plots.CostReduction flatPair
            Expect.equal cost.Shade Plots.Undefined "no level tells the runs apart"
            Expect.isTrue (cost.Text.StartsWith "n/a") $"n/a, not 0: {cost.Text}"
            let learned = Plots.pairedCell Plots.CostReduction clear
            Expect.notEqual learned.Shade Plots.Undefined "a cost of runs that learned is defined"

        testCase "titles and legends are in words: no seeds, no case names, for the committed grids and the replacement forms" <| fun () ->
            let caseName = Text.RegularExpressions.Regex @"\b[A-Z][a-z]+[A-Z]\w*|\b(Modulate|Replace|Rectangular|Sigmoid|Smooth|Uniform|Full|Output)\b"
            let seed = Text.RegularExpressions.Regex @"\d{10,}"
            let check (where: string) (t: string) =
                Expect.isFalse (seed.IsMatch t) $"{where}: no seed in '{t}'"
                Expect.isFalse (caseName.IsMatch t) $"{where}: no case name in '{t}'"
            use d = new TempDir()
            let results = Path.Combine(repository.Value, "results")
            let grids = Directory.GetDirectories results |> Array.filter (fun g -> Directory.GetFiles(g, "run.json", SearchOption.AllDirectories).Length > 0)
            Expect.isNonEmpty grids "committed grids"
            for dir in grids do
                let grid = Path.GetFileName dir
                let gs = Tables.groups (Tables.load results grid |> List.map snd)
                for f in Plots.figures d.Path grid None gs do
                    for t in textsOf f do check (Path.GetFileName f.Path) t
                // the weights and raster titles of every configuration (their artifacts are not committed)
                for g in gs do
                    match g.Runs with
                    | r :: _ -> check $"{grid} run title" (Plots.runTitle gs g r)
                    | [] -> ()
            // the spiking MLP's replacement forms, which no committed grid varies
            let forms =
                [ for form in [ SmlpConfig.PerBatch; SmlpConfig.PerStep 0 ] ->
                      let c = { SmlpConfig.defaults with Run.Dataset = DataSets.Mnist; Run.Epochs = 3; Gradient = SmlpConfig.Replaced { SmlpConfig.replacement SmlpConfig.Zero with Form = form } }
                      run (SmlpConfig.experiment c) 0 [ 0.5; 0.6; (if form = SmlpConfig.PerBatch then 0.7 else 0.9) ] ]
            let gs = Tables.groups forms
            let entries = Plots.learningCurves d.Path "forms" gs |> List.collect (fun f -> f.Panels |> List.collect (fun p -> p.Entries))
            Expect.containsAll entries [ "replaced per batch (n = 1)"; "replaced per BPTT step (n = 1)" ] "the forms in words"
            for g in gs do check "form run title" (Plots.runTitle gs g g.Runs.Head)
            Expect.equal (Plots.valueText "hebb" "SameStep") "same step" "a case name in words"

        testCase "a regenerated grid folder holds figures named for what they show" <| fun () ->
            use d = new TempDir()
            for r in records () do
                let eid = r.Config |> List.pick (function "experimentId", Text s -> Some s | _ -> None)
                RunRecord.write (Path.Combine(d.Path, "g", eid, "run.json")) r
            // the synthetic records carry made-up ids, which loading refuses (Records): the groups are built from them directly
            let gs = Tables.groups (records ())
            let names = Plots.write d.Path "g" None gs |> List.map Path.GetFileName
            Expect.isTrue (names |> List.exists (fun n -> n.StartsWith "learning-curves")) $"learning curves in {names}"
            Expect.isFalse (names |> List.exists (fun n -> Char.IsDigit n[n.Length - 5])) $"no numbered files: {names}"

        testCase "signed cell text is never an ambiguous zero" <| fun () ->
            Expect.equal (Plots.signedText 0.0) "0" "an exact zero"
            Expect.equal (Plots.signedText 0.004) "+0.004" "a small gain keeps its digits"
            Expect.equal (Plots.signedText -1.234) "-1.23" "two decimals otherwise"
            Expect.equal (Plots.signedText -0.0001) "-0.000" "a tiny negative value keeps its sign, never '-+0'"

        testCase "the grid display: labels tell experiments apart, lines fit the terminal, plain lines per event" <| fun () ->
            let labels =
                LiveDisplay.distinguishingLabels
                    [ [ "rule", "sbp"; "baseRule", "SbpBase"; "dataset", "mnist"; "replicate", "0" ]
                      [ "rule", "symmetric"; "baseRule", "Symmetric"; "dataset", "mnist"; "replicate", "0" ]
                      [ "rule", "sbp"; "baseRule", "SbpBase"; "dataset", "mnist"; "replicate", "1" ] ]
            Expect.equal labels [ "sbp rep=0"; "symmetric rep=0"; "sbp rep=1" ] "varying keys only, none that follows from another"
            // short forms from the schema's words: n_free for freeIterations, a spread's field without its prefix
            let labels =
                LiveDisplay.distinguishingLabels
                    [ [ "freeIterations", "5"; "sbp.depth", "0" ]; [ "freeIterations", "10"; "sbp.depth", "2" ]; [ "freeIterations", "5"; "sbp.depth", "2" ] ]
            Expect.equal labels [ "n_free=5 depth=0"; "n_free=10 depth=2"; "n_free=5 depth=2" ] "short forms"
            Expect.equal (LiveDisplay.fit 5 "abcdefgh") "abcd…" "cut with a mark"
            Expect.equal (LiveDisplay.fit 8 "abc") "abc" "short text unchanged"
            let lines = Collections.Generic.List<string>()
            let display = LiveDisplay.create false (fun l -> lock lines (fun () -> lines.Add l))
            display.Start("g", 2)
            display.Progress("a", "rule=sbp", 1, 2, 0.1)
            display.Progress("a", "rule=sbp", 1, 2, 0.3)
            display.Progress("a", "rule=sbp", 2, 2, 0.6)
            display.Finished("a", "rule=sbp", "best 90%")
            display.Failed("b", "rule=x", "NaN")
            display.Stop()
            Expect.equal lines.Count 5 $"start, one line per epoch entered, done, failed: {String.Join(Environment.NewLine, lines)}"
            Expect.stringContains lines[3] "done" "finished"
            Expect.stringContains lines[3] "[1/2" "progress count"
            Expect.stringContains lines[4] "FAILED" "failed"
    ]
