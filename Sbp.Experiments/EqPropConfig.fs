/// The configuration of an equilibrium-propagation run (the paper's ANN, SBP-SPEC §5): an immutable record with
/// the reference defaults, turned into the core's parameters and into the run record's `config`.
module Sbp.Experiments.EqPropConfig

open Sbp.Core.Models
open Sbp.Core.Plasticity
open Sbp.Experiments.DataSets
open Sbp.Experiments.RunRecord

/// How SBP enters equilibrium propagation.
type EqRule =
    /// Plain equilibrium propagation with the standard energy.
    | EqProp
    /// (a) the authors' SBP energy E_sbp (θ) in both phases and in the weight update.
    | SbpEnergy
    /// (b) the SBP operator applied to the equilibrium-propagation weight change.
    | SbpOperator

type EqPropConfig =
    { Dataset: DataSetName
      TrainSize: int option
      TestSize: int option
      Hidden: int list
      Epochs: int
      BatchSize: int
      Epsilon: float32
      Beta: float32
      RandomBetaSign: bool
      LearningRates: float32 list option
      FreeIterations: int
      NudgeIterations: int
      Rule: EqRule
      Theta: float32
      /// The operator's parameters for SbpOperator.
      Sbp: SbpParameters
      WeightBounds: (float32 * float32) option
      CheckInvariants: bool
      Seed: uint64 }

/// The reference: 784-500-10, batch 20, ε 1, β 0.2 (random sign), α [0.1, 0.05], 20 free / 4 nudged steps.
let defaults =
    { Dataset = Mnist10k
      TrainSize = None
      TestSize = None
      Hidden = [ 500 ]
      Epochs = 10
      BatchSize = 20
      Epsilon = 1f
      Beta = 0.2f
      RandomBetaSign = true
      LearningRates = None
      FreeIterations = 20
      NudgeIterations = 4
      Rule = EqProp
      Theta = 0.5f
      Sbp = SbpParameters()
      WeightBounds = None
      CheckInvariants = false
      Seed = 100UL }

let ruleName (c: EqPropConfig) =
    match c.Rule with
    | EqProp -> "eqprop"
    | SbpEnergy -> "sbp-energy"
    | SbpOperator -> "sbp"

let parseRule (s: string) =
    match s.Trim().ToLowerInvariant() with
    | "eqprop" -> Ok EqProp
    | "sbp-energy" -> Ok SbpEnergy
    | "sbp" -> Ok SbpOperator
    | other -> Error $"unknown rule '{other}' for eqprop; expected eqprop, sbp-energy or sbp"

let rates (c: EqPropConfig) = c.LearningRates |> Option.defaultWith (fun () -> SnnConfig.defaultRates (c.Hidden.Length + 1))

let toParameters (c: EqPropConfig) (inputs: int) (outputs: int) =
    EqPropParameters(
        LayerSizes = [| yield inputs; yield! c.Hidden; yield outputs |],
        BatchSize = c.BatchSize,
        Epsilon = c.Epsilon,
        Beta = c.Beta,
        RandomBetaSign = c.RandomBetaSign,
        LearningRates = Array.ofList (rates c),
        FreeIterations = c.FreeIterations,
        NudgeIterations = c.NudgeIterations,
        Energy = (if c.Rule = SbpEnergy then EnergyForm.SbpAuthors else EnergyForm.Standard),
        Theta = c.Theta,
        Sbp = (if c.Rule = SbpOperator then c.Sbp else null),
        WeightMin = (c.WeightBounds |> Option.map fst |> Option.toNullable),
        WeightMax = (c.WeightBounds |> Option.map snd |> Option.toNullable),
        CheckInvariants = c.CheckInvariants,
        Seed = c.Seed)

let private num (x: float32) = Num(float x)

/// Every parameter of a configuration, independent of the data.
let describe (c: EqPropConfig) =
    [ "model", Text "eqprop"
      "rule", Text(ruleName c)
      "dataset", Text(nameOf c.Dataset)
      "hidden", Items [ for n in c.Hidden -> Int(int64 n) ]
      "epochs", Int(int64 c.Epochs)
      "batchSize", Int(int64 c.BatchSize)
      "learningRates", Items [ for a in rates c -> num a ]
      "epsilon", num c.Epsilon
      "beta", num c.Beta
      "randomBetaSign", Flag c.RandomBetaSign
      "freeIterations", Int(int64 c.FreeIterations)
      "nudgeIterations", Int(int64 c.NudgeIterations)
      if c.Rule = SbpEnergy then "theta", num c.Theta
      if c.Rule = SbpOperator then "sbp", SnnConfig.sbpValue c.Sbp
      match c.WeightBounds with
      | Some(lo, hi) -> "weightBounds", Items [ num lo; num hi ]
      | None -> "weightBounds", Text "none"
      "checkInvariants", Flag c.CheckInvariants
      "trainSize", (match c.TrainSize with Some n -> Int(int64 n) | None -> Text "default")
      "testSize", (match c.TestSize with Some n -> Int(int64 n) | None -> Text "default")
      "seed", Int(int64 c.Seed) ]

/// Every parameter of the run, for the run record.
let configValues (c: EqPropConfig) (p: EqPropParameters) =
    describe c @ [ "layers", Items [ for n in p.LayerSizes -> Int(int64 n) ] ]
