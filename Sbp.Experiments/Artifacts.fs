/// What a run leaves beside its record for plots: weight histograms and a spike raster of a few test samples.
module Sbp.Experiments.Artifacts

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Sbp.Core.Data
open Sbp.Core.Models

type Histogram = { Layer: int; Lower: float; Width: float; Counts: int[] }
type Spike = { Step: int; Layer: int; Sample: int; Neuron: int }
type Artifacts = { Weights: Histogram list; Raster: Spike list; RasterSamples: int; Steps: int }

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

/// Histograms of the trained weights and the feedforward spikes of the first `samples` test samples.
let ofSnn (net: SpikingStdpNetwork) (test: DataSet) (samples: int) =
    let n = min samples test.Count
    let log = Collections.Generic.List()
    net.SpikeLog <- log
    net.Infer(test.Features, test.Targets, ReadOnlySpan(Array.init n id))
    net.SpikeLog <- null
    let raster = [ for struct (step, layer, sample, neuron) in log -> { Step = step; Layer = layer; Sample = sample; Neuron = neuron } ]
    { Weights = net.Weights |> Array.mapi (fun l w -> histogram l w.Data) |> List.ofArray
      Raster = raster
      RasterSamples = n
      Steps = net.Parameters.Steps }

/// Histograms of trained weights only (models without spikes).
let ofWeights (weights: Sbp.Core.Numerics.Matrix[]) =
    { Weights = weights |> Array.mapi (fun l w -> histogram l w.Data) |> List.ofArray
      Raster = []
      RasterSamples = 0
      Steps = 0 }

let toJson (a: Artifacts) =
    let o = JsonObject()
    let ws = JsonArray()
    for h in a.Weights do
        let ho = JsonObject()
        ho["layer"] <- JsonValue.Create h.Layer
        ho["lower"] <- JsonValue.Create h.Lower
        ho["width"] <- JsonValue.Create h.Width
        ho["counts"] <- JsonArray(h.Counts |> Array.map (fun c -> JsonValue.Create c :> JsonNode))
        ws.Add ho
    o["weightHistograms"] <- ws
    o["rasterSamples"] <- JsonValue.Create a.RasterSamples
    o["steps"] <- JsonValue.Create a.Steps
    // spikes as [step, layer, sample, neuron] rows: compact and easy to read back
    o["spikes"] <- JsonArray(a.Raster |> List.map (fun s -> JsonArray(JsonValue.Create s.Step, JsonValue.Create s.Layer, JsonValue.Create s.Sample, JsonValue.Create s.Neuron) :> JsonNode) |> Array.ofList)
    o.ToJsonString()

let ofJson (source: string) (json: string) =
    try
        let o = JsonNode.Parse(json).AsObject()
        { Weights =
            [ for h in o["weightHistograms"].AsArray() ->
                  { Layer = h["layer"].GetValue<int>()
                    Lower = h["lower"].GetValue<float>()
                    Width = h["width"].GetValue<float>()
                    Counts = [| for c in h["counts"].AsArray() -> c.GetValue<int>() |] } ]
          Raster =
            [ for s in o["spikes"].AsArray() ->
                  let a = s.AsArray()
                  { Step = a[0].GetValue<int>(); Layer = a[1].GetValue<int>(); Sample = a[2].GetValue<int>(); Neuron = a[3].GetValue<int>() } ]
          RasterSamples = o["rasterSamples"].GetValue<int>()
          Steps = o["steps"].GetValue<int>() }
    with e -> raise (InvalidDataException($"{source}: not a valid artifacts file: {e.Message}", e))

let write (path: string) (a: Artifacts) =
    let tmp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}"
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath path)) |> ignore
    File.WriteAllText(tmp, toJson a)
    File.Move(tmp, path, true)
