/// The ranges every run is checked against before any work: a configuration that would not end, would not fit in
/// memory, or could not be written as a record (a non-finite number) is refused in one line naming the parameter,
/// its value and its range. One place for every such bound.
module Sbp.Experiments.Limits

open System
open Sbp.Experiments.RunRecord

/// Epochs of one run.
let maxEpochs = 100_000
/// Hidden layers of one network.
let maxHiddenLayers = 64
/// Neurons of one layer.
let maxWidth = 100_000
/// Samples of one mini-batch.
let maxBatch = 1_000_000
/// Training or test samples asked for.
let maxSamples = 10_000_000
/// Time steps per sample (the spiking network's T / dt, the spiking MLP's T).
let maxSteps = 100_000
/// Relaxation iterations of one phase (free or nudged).
let maxIterations = 10_000
/// SBP propagation depth.
let maxDepth = 64
/// Paired replicates of one configuration in a grid.
let maxSeeds = 1000
/// Single-precision numbers one network may hold (weights, per-batch states, EqProp's particles, the spiking MLP's
/// stored steps): 2²⁸, 1 GiB; the data set has a budget of its own (Sbp.Core.Data.DataBudget).
let maxNetworkFloats = 1L <<< 28

/// "<name> must lie in lo..hi (got v)" when v is outside, else nothing.
let inRange (name: string) (lo: int) (hi: int) (v: int) =
    [ if v < lo || v > hi then $"{name} must lie in {lo}..{hi} (got {v})" ]

/// Every number of a description that is NaN or infinite, named by its dotted path: such a value cannot be written
/// to a run record (JSON has no infinity), so it is refused before training, not after.
let nonFinite (values: (string * Value) list) =
    let rec walk (path: string) (v: Value) =
        [ match v with
          | Num x when not (Double.IsFinite x) -> yield $"{path} must be a finite number (got {x})"
          | Items xs -> for i, x in List.indexed xs do yield! walk $"{path}[{i}]" x
          | Fields kvs -> for k, x in kvs do yield! walk $"{path}.{k}" x
          | _ -> () ]
    [ for k, v in values do yield! walk k v ]

/// The single-precision numbers of a layered network's weights and per-batch states (`statesPerNeuron` of them per
/// neuron and sample), plus `extra`; checked against `maxNetworkFloats`.
let networkProblems (layers: int list) (batch: int) (statesPerNeuron: int64) (extra: int64) =
    let weights = layers |> List.pairwise |> List.sumBy (fun (a, b) -> int64 a * int64 b)
    let states = int64 batch * (layers |> List.sumBy int64) * statesPerNeuron
    let total = weights + states + extra
    [ if total > maxNetworkFloats || total < 0L then
          let layerText = String.Join("-", layers)
          $"the network ({layerText}, batch {batch}) needs about {total / (1L <<< 18)} MiB of weights and states; the limit is {maxNetworkFloats / (1L <<< 18)} MiB" ]

/// The upper bounds of the settings every family has (their lower bounds: RunSettings.problems).
let settings (r: RunSettings) =
    [ if r.Epochs > maxEpochs then $"epochs must lie in 1..{maxEpochs} (got {r.Epochs})"
      for name, size in [ "the training size", r.TrainSize; "the test size", r.TestSize ] do
          match size with
          | Some n when n > maxSamples -> $"{name} must lie in 1..{maxSamples} (got {n})"
          | _ -> ()
      yield! inRange "the number of hidden layers" 0 maxHiddenLayers r.Hidden.Length
      for h in r.Hidden do
          if h < 1 || h > maxWidth then $"hidden layer sizes must lie in 1..{maxWidth} (got {h})"
      match r.BatchSize with
      | Some b when b < 1 || b > maxBatch -> $"the batch size must lie in 1..{maxBatch} (got {b})"
      | _ -> () ]

/// Time steps of `windowMs` at `dtMs`, refused beyond `maxSteps` (and for a step or window that is not a positive
/// finite number): computed in double precision, so that a tiny dt cannot overflow the count.
let steps (windowMs: float32) (dtMs: float32) =
    let n = float windowMs / float dtMs
    [ if not (Double.IsFinite n) || n > float maxSteps then
          $"the time window over dt ({windowMs} ms / {dtMs} ms) must give at most {maxSteps} steps" ]
