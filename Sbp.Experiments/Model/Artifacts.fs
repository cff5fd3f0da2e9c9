/// What a run leaves beside its record for plots: weight histograms (initial and trained) and a spike raster of a
/// few test samples with their classes.
module Sbp.Experiments.Artifacts

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Sbp.Core.Data
open Sbp.Core.Models

/// A histogram of one weight matrix: Counts[b] synapses in [Lower + b·Width, Lower + (b + 1)·Width) (the last bin
/// closed), Below and Above the synapses beyond the bins, Min and Max the extreme weights. Non-finite weights (a
/// diverged run) are not counted.
type Histogram =
    { Layer: int
      Lower: float
      Width: float
      Counts: int[]
      Below: int
      Above: int
      Min: float
      Max: float }

type Spike = { Step: int; Layer: int; Sample: int; Neuron: int }
type Artifacts =
    { /// Trained weights, one histogram per connection (layer l → l + 1).
      Weights: Histogram list
      /// The weights the run started from, on the same bins as the trained ones of the same connection (files
      /// written before bins were shared have each on its own bins; empty in files written before they were kept).
      Initial: Histogram list
      Raster: Spike list
      RasterSamples: int
      /// The class of each raster sample (empty where the task has no classes).
      RasterLabels: int list
      Steps: int
      /// The simulation time step in ms (0 where unknown).
      DtMs: float }

let private bins = 60

/// The value at quantile q of sorted values (nearest rank).
let private quantile (sorted: float32[]) (q: float) = float sorted[int (Math.Round(q * float (sorted.Length - 1)))]

/// The bins that several sets of weights share (a connection's initial and trained weights): from the lowest 0.5th
/// to the highest 99.5th percentile of the sets, widened by a tenth of that range on each side but never beyond the
/// extreme weights, in 60 equal bins. A few outliers (a weight of 12 among weights within ±0.3) fall beyond the
/// bins and are counted there instead of stretching them over the whole distribution. Returns (lower, width).
let sharedBins (sets: float32[] list) =
    let sorted = sets |> List.map (Array.filter Single.IsFinite >> Array.sort) |> List.filter (fun s -> s.Length > 0)
    match sorted with
    | [] -> 0.0, 1.0 / float bins
    | _ ->
        let lo = sorted |> List.map (fun s -> quantile s 0.005) |> List.min
        let hi = sorted |> List.map (fun s -> quantile s 0.995) |> List.max
        let least = sorted |> List.map (fun s -> float s[0]) |> List.min
        let most = sorted |> List.map (fun s -> float s[s.Length - 1]) |> List.max
        let lo, hi = max least (lo - 0.1 * (hi - lo)), min most (hi + 0.1 * (hi - lo))
        // one value throughout: a bin of width 1/60 around it
        if hi > lo then lo, (hi - lo) / float bins else lo - 0.5, 1.0 / float bins

/// A histogram of the finite values on the given bins, counting those beyond them.
let histogramOn (layer: int) (lower: float, width: float) (values: float32[]) =
    let values = values |> Array.filter Single.IsFinite
    let counts = Array.zeroCreate bins
    let mutable below, above = 0, 0
    for v in values do
        let v = float v
        if v < lower then below <- below + 1
        // the upper edge belongs to the last bin, up to rounding in lower + 60·width
        elif (v - lower) / width > float bins + 1e-9 then above <- above + 1
        else
            let b = min (bins - 1) (int ((v - lower) / width))
            counts[b] <- counts[b] + 1
    let least, most = if values.Length = 0 then lower, lower + float bins * width else float (Array.min values), float (Array.max values)
    { Layer = layer; Lower = lower; Width = width; Counts = counts; Below = below; Above = above; Min = least; Max = most }

/// A histogram of the finite values on bins of their own (those `sharedBins` chooses for them alone).
let histogram (layer: int) (values: float32[]) = histogramOn layer (sharedBins [ values ]) values

/// What a model keeps of its weights before training: a copy of each matrix (connection l → l + 1). The copies are
/// binned at the end of the run together with the trained weights (`pairedHistograms`), so that the two histograms
/// of a connection share their bins.
type InitialWeights = InitialWeights of float32[] list

/// The fresh weights, copied (a model takes them before training; see `InitialWeights`).
let histograms (weights: Sbp.Core.Numerics.Matrix[]) = InitialWeights [ for w in weights -> Array.copy w.Data ]

/// The trained and the initial histogram of each connection, each pair on shared bins.
let pairedHistograms (InitialWeights initial) (trained: Sbp.Core.Numerics.Matrix[]) =
    [ for l, w in Array.indexed trained ->
          match List.tryItem l initial with
          | Some i ->
              let shared = sharedBins [ i; w.Data ]
              histogramOn l shared w.Data, Some(histogramOn l shared i)
          | None -> histogram l w.Data, None ]
    |> fun hs -> List.map fst hs, List.choose snd hs

/// Histograms of the initial and the trained weights, and the feedforward spikes of the first `samples` test
/// samples.
let ofSnn (initial: InitialWeights) (net: SpikingStdpNetwork) (test: DataSet) (samples: int) =
    let n = min samples test.Count
    let recorder = SpikeRecorder()
    net.SpikeObserver <- recorder
    net.Infer(test.Features, test.Targets, ReadOnlySpan(Array.init n id))
    net.SpikeObserver <- null
    let raster = [ for struct (step, layer, sample, neuron) in recorder.Spikes -> { Step = step; Layer = layer; Sample = sample; Neuron = neuron } ]
    let weights, initial = pairedHistograms initial net.Weights
    { Weights = weights
      Initial = initial
      Raster = raster
      RasterSamples = n
      RasterLabels = if isNull test.Labels then [] else List.init n (fun i -> test.Labels[i])
      Steps = net.Parameters.Steps
      DtMs = float net.Parameters.Lif.DtMs }

/// Histograms of the initial and the trained weights (models without a raster).
let ofWeights (initial: InitialWeights) (weights: Sbp.Core.Numerics.Matrix[]) =
    let weights, initial = pairedHistograms initial weights
    { Weights = weights
      Initial = initial
      Raster = []
      RasterSamples = 0
      RasterLabels = []
      Steps = 0
      DtMs = 0.0 }

let toJson (a: Artifacts) =
    let o = JsonObject()
    let hists (hs: Histogram list) =
        let ws = JsonArray()
        for h in hs do
            let ho = JsonObject()
            ho["layer"] <- JsonValue.Create h.Layer
            ho["lower"] <- JsonValue.Create h.Lower
            ho["width"] <- JsonValue.Create h.Width
            ho["counts"] <- JsonArray(h.Counts |> Array.map (fun c -> JsonValue.Create c :> JsonNode))
            ho["below"] <- JsonValue.Create h.Below
            ho["above"] <- JsonValue.Create h.Above
            ho["min"] <- JsonValue.Create h.Min
            ho["max"] <- JsonValue.Create h.Max
            ws.Add ho
        ws
    o["weightHistograms"] <- hists a.Weights
    o["initialWeightHistograms"] <- hists a.Initial
    o["rasterLabels"] <- JsonArray(a.RasterLabels |> List.map (fun l -> JsonValue.Create l :> JsonNode) |> Array.ofList)
    o["dtMs"] <- JsonValue.Create a.DtMs
    o["rasterSamples"] <- JsonValue.Create a.RasterSamples
    o["steps"] <- JsonValue.Create a.Steps
    // spikes as [step, layer, sample, neuron] rows: compact and easy to read back
    o["spikes"] <- JsonArray(a.Raster |> List.map (fun s -> JsonArray(JsonValue.Create s.Step, JsonValue.Create s.Layer, JsonValue.Create s.Sample, JsonValue.Create s.Neuron) :> JsonNode) |> Array.ofList)
    o.ToJsonString()

/// Parses an artifacts file and checks it (non-negative counts and indices, finite bin bounds, a positive bin
/// width); `source` names the file in errors.
let ofJson (source: string) (json: string) =
    try
        let o = (RunRecord.parseStrict json).AsObject()
        let req (o: JsonNode) (k: string) =
            match o[k] with
            | null -> failwith $"field '{k}' is missing"
            | n -> n
        let nonNegative (name: string) (n: JsonNode) =
            let v = n.GetValue<int>()
            if v < 0 then failwith $"{name} is {v}; expected ≥ 0"
            v
        let finite (name: string) (n: JsonNode) =
            let v = n.GetValue<float>()
            if not (Double.IsFinite v) then failwith $"{name} is {v}; expected a finite number"
            v
        let hists (key: string) =
            match o[key] with
            | null -> []
            | n ->
                [ for h in n.AsArray() ->
                      let width = finite "width" (req h "width")
                      if width <= 0.0 then failwith $"a histogram's width is {width}; expected > 0"
                      let lower = finite "lower" (req h "lower")
                      let counts = [| for c in (req h "counts").AsArray() -> nonNegative "a count" c |]
                      // files written before outliers were counted beyond the bins: the bins span every weight
                      let optional (k: string) (check: string -> JsonNode -> 'a) (fallback: 'a) = match h[k] with null -> fallback | n -> check k n
                      { Layer = nonNegative "layer" (req h "layer")
                        Lower = lower
                        Width = width
                        Counts = counts
                        Below = optional "below" nonNegative 0
                        Above = optional "above" nonNegative 0
                        Min = optional "min" finite lower
                        Max = optional "max" finite (lower + float counts.Length * width) } ]
        { Weights = hists "weightHistograms"
          Initial = hists "initialWeightHistograms"
          RasterLabels = match o["rasterLabels"] with null -> [] | n -> [ for l in n.AsArray() -> l.GetValue<int>() ]
          DtMs = match o["dtMs"] with null -> 0.0 | n -> finite "dtMs" n
          Raster =
            [ for s in (req o "spikes").AsArray() ->
                  let a = s.AsArray()
                  if a.Count <> 4 then failwith $"a spike has {a.Count} fields; expected [step, layer, sample, neuron]"
                  { Step = nonNegative "step" a[0]; Layer = nonNegative "layer" a[1]; Sample = nonNegative "sample" a[2]; Neuron = nonNegative "neuron" a[3] } ]
          RasterSamples = nonNegative "rasterSamples" (req o "rasterSamples")
          Steps = nonNegative "steps" (req o "steps") }
    with e -> raise (InvalidDataException($"{source}: not a valid artifacts file: {e.Message}", e))

/// The most bytes an artifacts file may hold (histograms and the spikes of a few test samples: a few MB at the
/// paper's sizes): a larger file is refused before it is read.
let maxBytes = 128L * 1024L * 1024L

/// Reads and checks an artifacts file: a regular file of at most `maxBytes` (Files.readText).
let read (path: string) = ofJson path (Files.readText maxBytes path)

/// Writes the artifacts atomically (a failed write leaves no temporary file).
let write (path: string) (a: Artifacts) = RunRecord.writeAtomically path (toJson a)
