/// The configuration of a spiking-MLP run (the paper's supplementary model, SBP-SPEC §6): an immutable record with
/// the reference defaults, turned into the core's parameters and into the run record's `config`.
module Sbp.Experiments.SmlpConfig

open Sbp.Core.Learning
open Sbp.Core.Models
open Sbp.Core.Plasticity
open Sbp.Experiments.DataSets
open Sbp.Experiments.RunRecord

type SmlpConfig =
    { Dataset: DataSetName
      TrainSize: int option
      TestSize: int option
      Hidden: int list
      Epochs: int
      BatchSize: int
      Steps: int
      LearningRate: float32
      DecayEveryEpochs: int
      Spike: SpikeFunction
      Rule: HiddenGradient
      /// Fraction of batches (per-batch form) whose hidden gradient is replaced.
      Replace: float32
      Form: ReplacementForm
      AlternateEvery: int
      ReferenceQuirks: bool
      /// SBP: the form of H (the reference: one-step lag, 1/B²; or the clean same-step form).
      Hebb: HebbForm
      /// SBP: s from the output layer's gradient for every hidden layer (the reference) or from the layer above's.
      ScaleFrom: ScaleSource
      /// SBP: the random feedback's distribution (the reference: Kaiming-uniform).
      Feedback: FeedbackInit
      /// Weight λ of the reference's energy term added to the loss (0 = off; the reference's -energy: 0.1).
      Energy: float32
      EnergyGradient: EnergyGradient
      Sbp: SbpParameters
      /// DVS: frames per sample (step t reads frame ⌊t·F/T⌋).
      Frames: int
      CheckInvariants: bool
      Seed: uint64 }

/// The reference: 784-500-10, T = 20, batch 100, Adam 1e-3 (×0.1 every 50 epochs), STBP surrogate, plain BP.
let defaults =
    { Dataset = Mnist10k
      TrainSize = None
      TestSize = None
      Hidden = [ 500 ]
      Epochs = 10
      BatchSize = 100
      Steps = 20
      LearningRate = 1e-3f
      DecayEveryEpochs = 50
      Spike = SpikeFunction.Rectangular
      Rule = HiddenGradient.Backprop
      Replace = 1f
      Form = ReplacementForm.PerBatch
      AlternateEvery = 0
      ReferenceQuirks = false
      Hebb = HebbForm.Reference
      ScaleFrom = ScaleSource.Output
      Feedback = FeedbackInit.KaimingUniform
      Energy = 0f
      EnergyGradient = EnergyGradient.SpikesOnly
      Sbp = SbpParameters(Mode = SbpMode.Replace)
      Frames = 100
      CheckInvariants = false
      Seed = 100UL }

/// The authors' SBP run (`-sbp -energy`): the reference SBP gradient inside BPTT at every step, with its quirks, and
/// the energy term with weight 0.1.
let paperSbp =
    { defaults with
        Rule = HiddenGradient.Sbp
        Form = ReplacementForm.PerStep
        ReferenceQuirks = true
        Energy = 0.1f }

let ruleName (c: SmlpConfig) =
    match c.Rule with
    | HiddenGradient.Backprop -> "bp"
    | HiddenGradient.Sbp -> "sbp"
    | HiddenGradient.SbpOperator -> "sbp-operator"
    | HiddenGradient.Zero -> "zero"
    | r -> string r

let parseRule (s: string) =
    match s.Trim().ToLowerInvariant() with
    | "bp" -> Ok HiddenGradient.Backprop
    | "sbp" -> Ok HiddenGradient.Sbp
    | "sbp-operator" -> Ok HiddenGradient.SbpOperator
    | "zero" -> Ok HiddenGradient.Zero
    | other -> Error $"unknown rule '{other}' for smlp; expected bp, sbp, sbp-operator or zero"

/// The input code each data set uses: Bernoulli rates for images, static windows for NETtalk, frames for DVS.
let encodingOf (d: DataSetName) =
    match d with
    | Nettalk -> InputEncoding.Static
    | Dvs -> InputEncoding.Frames
    | Mnist | Mnist10k | Fashion -> InputEncoding.Bernoulli

let toParameters (c: SmlpConfig) (inputs: int) (outputs: int) =
    SmlpParameters(
        LayerSizes = [| yield inputs; yield! c.Hidden; yield outputs |],
        Steps = c.Steps,
        BatchSize = c.BatchSize,
        Spike = c.Spike,
        Encoding = encodingOf c.Dataset,
        Frames = (if encodingOf c.Dataset = InputEncoding.Frames then c.Frames else 1),
        Adam = AdamParameters(LearningRate = c.LearningRate),
        DecayEveryEpochs = c.DecayEveryEpochs,
        Rule = c.Rule,
        ReplaceProportion = c.Replace,
        Form = c.Form,
        AlternateEvery = c.AlternateEvery,
        ReferenceQuirks = c.ReferenceQuirks,
        Hebb = c.Hebb,
        ScaleFrom = c.ScaleFrom,
        Feedback = c.Feedback,
        EnergyWeight = c.Energy,
        EnergyGradient = c.EnergyGradient,
        Sbp = c.Sbp,
        CheckInvariants = c.CheckInvariants,
        Seed = c.Seed)

let private num (x: float32) = Num(float x)

/// Every parameter of a configuration, independent of the data.
let describe (c: SmlpConfig) =
    [ "model", Text "smlp"
      "rule", Text(ruleName c)
      "dataset", Text(nameOf c.Dataset)
      "layerCount", Int(int64 (c.Hidden.Length + 2))
      "hidden", Items [ for n in c.Hidden -> Int(int64 n) ]
      "epochs", Int(int64 c.Epochs)
      "batchSize", Int(int64 c.BatchSize)
      "steps", Int(int64 c.Steps)
      "learningRate", num c.LearningRate
      "decayEveryEpochs", Int(int64 c.DecayEveryEpochs)
      "surrogate", Text(string c.Spike)
      if c.Rule <> HiddenGradient.Backprop then
          "replace", num c.Replace
          "form", Text(string c.Form)
          if c.Form = ReplacementForm.PerStep then "alternateEvery", Int(int64 c.AlternateEvery)
          "referenceQuirks", Flag c.ReferenceQuirks
      if c.Rule = HiddenGradient.Sbp then
          "hebb", Text(string c.Hebb)
          "scaleFrom", Text(string c.ScaleFrom)
          "feedback", Text(string c.Feedback)
      if c.Energy > 0f then
          "energy", num c.Energy
          "energyGradient", Text(string c.EnergyGradient)
      if c.Rule = HiddenGradient.SbpOperator then "sbp", SnnConfig.sbpValue c.Sbp
      if c.Dataset = Dvs then "frames", Int(int64 c.Frames)
      "checkInvariants", Flag c.CheckInvariants
      "trainSize", (match c.TrainSize with Some n -> Int(int64 n) | None -> Text "default")
      "testSize", (match c.TestSize with Some n -> Int(int64 n) | None -> Text "default")
      "seed", Int(int64 c.Seed) ]

let configValues (c: SmlpConfig) (p: SmlpParameters) =
    describe c @ [ "layers", Items [ for n in p.LayerSizes -> Int(int64 n) ] ]
