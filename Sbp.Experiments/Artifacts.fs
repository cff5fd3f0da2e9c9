/// What a run leaves beside its record for plots: weight histograms (initial and trained) and a spike raster of a
/// few test samples with their classes.
module Sbp.Experiments.Artifacts

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Sbp.Core.Data
open Sbp.Core.Models

type Histogram = { Layer: int; Lower: float; Width: float; Counts: int[] }
type Spike = { Step: int; Layer: int; Sample: int; Neuron: int }
type Artifacts =
    { /// Trained weights, one histogram per connection (layer l → l + 1).
      Weights: Histogram list
      /// The weights the run started from (empty in files written before they were kept).
      Initial: Histogram list
      Raster: Spike list
      RasterSamples: int
      /// The class of each raster sample (empty where the task has no classes).
      RasterLabels: int list
      Steps: int
      /// The simulation time step in ms (0 where unknown).
      DtMs: float }

let private bins = 60

/// A histogram of the finite values (a diverged run may hold others).
let histogram (layer: int) (values: float32[]) =
    let values = values |> Array.filter Single.IsFinite
    let lo, hi = if values.Length = 0 then 0.0, 1.0 else float (Array.min values), float (Array.max values)
    let width = if hi > lo then (hi - lo) / float bins else 1.0
    let counts = Array.zeroCreate bins
    for v in values do
        let b = min (bins - 1) (int ((float v - lo) / width))
        counts[b] <- counts[b] + 1
    { Layer = layer; Lower = lo; Width = width; Counts = counts }

/// One histogram per weight matrix (connection l → l + 1); a model takes them of its fresh weights before training.
let histograms (weights: Sbp.Core.Numerics.Matrix[]) = weights |> Array.mapi (fun l w -> histogram l w.Data) |> List.ofArray

/// Histograms of the initial and the trained weights, and the feedforward spikes of the first `samples` test
/// samples.
let ofSnn (initial: Histogram list) (net: SpikingStdpNetwork) (test: DataSet) (samples: int) =
    let n = min samples test.Count
    let log = Collections.Generic.List()
    net.SpikeLog <- log
    net.Infer(test.Features, test.Targets, ReadOnlySpan(Array.init n id))
    net.SpikeLog <- null
    let raster = [ for struct (step, layer, sample, neuron) in log -> { Step = step; Layer = layer; Sample = sample; Neuron = neuron } ]
    { Weights = histograms net.Weights
      Initial = initial
      Raster = raster
      RasterSamples = n
      RasterLabels = if isNull test.Labels then [] else List.init n (fun i -> test.Labels[i])
      Steps = net.Parameters.Steps
      DtMs = float net.Parameters.Lif.DtMs }

/// Histograms of the initial and the trained weights (models without a raster).
let ofWeights (initial: Histogram list) (weights: Sbp.Core.Numerics.Matrix[]) =
    { Weights = histograms weights
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
                      { Layer = nonNegative "layer" (req h "layer")
                        Lower = finite "lower" (req h "lower")
                        Width = width
                        Counts = [| for c in (req h "counts").AsArray() -> nonNegative "a count" c |] } ]
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
