/// Equilibrium propagation (the paper's ANN, docs/SBP-SPEC.md §5) as a model family: typed configuration (a rule that carries
/// its own parameters: θ only for the authors' SBP energy, the spread only for the SBP operator), the reference
/// defaults (the core's), the per-task settings of the authors' scripts, and its registration.
module Sbp.Experiments.EqPropConfig

open Sbp.Core.Data
open Sbp.Core.Learning
open Sbp.Core.Models
open Sbp.Core.Plasticity
open Sbp.Experiments.DataSets
open Sbp.Experiments.Experiment
open Sbp.Experiments.RunRecord
open Sbp.Experiments.Spread

/// How SBP enters equilibrium propagation.
type EqRule =
    /// Plain equilibrium propagation with the standard energy (the baseline).
    | EqProp
    /// (a) the authors' SBP energy E_sbp with θ_sbp, in both phases and in the weight update.
    | SbpEnergy of theta: float32
    /// (b) the SBP operator applied to the equilibrium-propagation weight change.
    | SbpOperator of SbpSpread

type EqPropConfig =
    { /// The data (train size None: the task's split; MNIST: the first 50,000 training images, tested on the standard
      /// 10,000), hidden layers, epochs, batch (None: the task's reference, NETtalk and DVS 1, every other task 20),
      /// invariant checks and seed.
      Run: RunSettings
      Epsilon: float32
      /// None: the task's reference β (NETtalk 1, every other task 0.2).
      Beta: float32 option
      RandomBetaSign: bool
      LearningRates: float32 list option
      FreeIterations: int
      NudgeIterations: int
      Rule: EqRule
      WeightBounds: (float32 * float32) option }

let private core = EqPropParameters()

/// The reference θ_sbp of the authors' SBP energy.
let referenceTheta = core.Theta

/// The reference: 784-500-10, ε 1, β with a random sign per batch, α [0.1, 0.05], n_free = n_nudge = 10 (the
/// reference script's own defaults; 20 / 4 appear only in its comments).
let defaults =
    { Run = RunSettings.onMnist FileOrder [ core.LayerSizes[1] ] core.CheckInvariants core.Seed
      Epsilon = core.Epsilon
      Beta = None
      RandomBetaSign = core.RandomBetaSign
      LearningRates = None
      FreeIterations = core.FreeIterations
      NudgeIterations = core.NudgeIterations
      Rule = EqProp
      WeightBounds = None }

/// The reference's per-task settings: batch size, β, and the training subset (MNIST: the first 50,000 images).
let referenceBatch (d: DataSetName) =
    match d with
    | Nettalk | Dvs -> 1
    | Mnist | Mnist10k | Fashion -> core.BatchSize

let referenceBeta (d: DataSetName) =
    match d with
    | Nettalk -> 1f
    | Mnist | Mnist10k | Fashion | Dvs -> core.Beta

let referenceTrainSize (d: DataSetName) =
    match d with
    | Mnist -> Some 50_000
    | Mnist10k | Fashion | Nettalk | Dvs -> None

/// The reference's test set: on MNIST the training images after the first 50,000 (`external_world.py`), with the
/// standard 10,000 test images scored beside them; every other task its own test split.
let referenceTestSet (d: DataSetName) =
    match d with
    | Mnist -> HeldOutTraining
    | Mnist10k | Fashion | Nettalk | Dvs -> StandardTest

/// The fields the configuration leaves to its task, filled in with the task's reference settings.
let private resolveFields (c: EqPropConfig) =
    let r = c.Run
    { c with
        Run =
            RunSettings.withReference referenceBatch referenceTestSet
                { r with TrainSize = r.TrainSize |> Option.orElse (referenceTrainSize r.Dataset) }
        Beta = Some(c.Beta |> Option.defaultValue (referenceBeta r.Dataset))
        LearningRates = Some(c.LearningRates |> Option.defaultWith (fun () -> SnnConfig.defaultRates (r.Hidden.Length + 1))) }

/// The configuration with its task's reference settings filled in (a value set explicitly is kept), resolved once.
let resolve (c: EqPropConfig) = Resolved(resolveFields c)

let toParameters (r: Resolved<EqPropConfig>) (inputs: int) (outputs: int) =
    let c = r.Config
    EqPropParameters(
        LayerSizes = [| yield inputs; yield! c.Run.Hidden; yield outputs |],
        BatchSize = RunSettings.batchSize c.Run,
        Epsilon = c.Epsilon,
        Beta = c.Beta.Value,
        RandomBetaSign = c.RandomBetaSign,
        LearningRates = Array.ofList c.LearningRates.Value,
        FreeIterations = c.FreeIterations,
        NudgeIterations = c.NudgeIterations,
        Energy = (match c.Rule with SbpEnergy _ -> EnergyForm.SbpAuthors | EqProp | SbpOperator _ -> EnergyForm.Standard),
        Theta = (match c.Rule with SbpEnergy theta -> theta | EqProp | SbpOperator _ -> core.Theta),
        Sbp = (match c.Rule with SbpOperator s -> toCore s | EqProp | SbpEnergy _ -> null),
        WeightMin = (c.WeightBounds |> Option.map fst |> Option.toNullable),
        WeightMax = (c.WeightBounds |> Option.map snd |> Option.toNullable),
        CheckInvariants = c.Run.CheckInvariants,
        Seed = c.Run.Seed)

let ruleName (c: EqPropConfig) =
    match c.Rule with
    | EqProp -> "eqprop"
    | SbpEnergy _ -> "sbp-energy"
    | SbpOperator _ -> "sbp"

let validate (r: Resolved<EqPropConfig>) =
    let c = r.Config
    [ match c.Rule with
      | SbpOperator s when s.Mode <> SbpMode.Modulate -> "equilibrium propagation's SBP operator modulates (the replace mode is the spiking MLP's)"
      | _ -> ()
      yield! (toParameters r 1 1).Problems() ]

/// The network with persistent particles per data set; artifacts = weight histograms.
let build (r: Resolved<EqPropConfig>) (split: DataSplit) : Training.Built =
    let c = r.Config
    let p = toParameters r split.Train.FeatureCount split.Train.TargetCount
    let net = EnergyNetwork p
    let initial = Artifacts.histograms net.Weights
    { Model = Training.EqPropModel(net, split.Train, split.Test, Option.ofObj split.StandardTest)
      Execution = net
      Extra = [ "layers", Items [ for n in p.LayerSizes -> Int(int64 n) ] ]
      Artifacts = fun () -> Artifacts.ofWeights initial net.Weights }

/// Where the configuration holds the settings every family has.
let common: Common<EqPropConfig> =
    { Get = fun c -> c.Run
      Set = fun r c -> { c with Run = r } }

/// The comparison's baseline: the authors' SBP energy and the SBP operator against plain equilibrium propagation.
let baseline (c: EqPropConfig) =
    match c.Rule with
    | EqProp -> None
    | SbpEnergy _ | SbpOperator _ -> Some { c with Rule = EqProp }

/// The command-line names of the rules.
[<RequireQualifiedAccess>]
type RuleArg =
    | Eqprop
    | Sbp_Energy
    | Sbp

let private rulesByName = [ "eqprop", EqProp; "sbp-energy", SbpEnergy referenceTheta; "sbp", SbpOperator reference ]

/// The rule: θ ("theta") for the authors' SBP energy, the spread ("sbp") for the SBP operator, nothing for the
/// baseline; the keys rule=, theta and sbp.*, the options --rule, --theta and --sbp-*.
let private rule =
    Schema.entries "rule" (fun c ->
        match c.Rule with
        | SbpEnergy theta -> [ "theta", Num(float theta) ]
        | SbpOperator s -> [ "sbp", value s ]
        | EqProp -> []) (fun kvs c ->
        { c with
            Rule =
                if Decode.has kvs "theta" then SbpEnergy(Decode.float32 kvs "theta")
                elif Decode.has kvs "sbp" then SbpOperator(ofValue (Decode.get kvs "sbp"))
                else EqProp })
    |> Schema.withKey (Keys.choice "rule" [ for name, r in rulesByName -> name, (fun c -> { c with Rule = r }) ])
    |> Schema.withKey
        { Key.Name = "theta"
          Values = "numbers (rule sbp-energy)"
          Set = fun v c ->
              match c.Rule with
              | SbpEnergy _ -> Keys.float32 v |> Result.map (fun t -> { c with Rule = SbpEnergy t })
              | _ -> Error "theta applies only to the sbp-energy rule (set rule=sbp-energy first)" }
    |> Schema.withOption "Rule" "eqprop (default; the baseline), sbp-energy (the authors' SBP energy), sbp (the SBP operator on the weight change)." (fun vs c ->
        let name = match unbox<RuleArg> vs.Head with RuleArg.Eqprop -> "eqprop" | RuleArg.Sbp_Energy -> "sbp-energy" | RuleArg.Sbp -> "sbp"
        Ok { c with Rule = rulesByName |> List.find (fst >> (=) name) |> snd })
    |> Schema.withOption "Theta" "rule sbp-energy: θ_sbp (default 0.5)." (fun vs c ->
        match c.Rule with
        | SbpEnergy _ -> Ok { c with Rule = SbpEnergy(float32 (unbox<float> vs.Head)) }
        | _ -> Error $"--theta sets θ of the authors' SBP energy, which the rule {ruleName c} does not use (use --rule sbp-energy)")
    |> Schema.spread [ "Depth"; "Fraction"; "Lambda"; "Top_Fraction" ] "rule sbp"
        (fun c -> match c.Rule with SbpOperator s -> Some s | EqProp | SbpEnergy _ -> None) (fun s c -> { c with Rule = SbpOperator s }) ruleName
        "applies only to the sbp rule (set rule=sbp first)" "sbp"

/// The schema: every parameter once, in the order of the description (the order is part of the canonical form the
/// ids hash: it stays as first written).
let parameters: Param<EqPropConfig> list =
    [ Schema.Run.dataset common
      yield! Schema.Run.training common "mini-batch size (default: the task's reference, NETtalk and DVS 1, every other task 20)."
      Schema.rates "learningRates" (fun c -> c.LearningRates) (fun r c -> { c with LearningRates = r })
          "learning rates per weight layer (default 0.1 0.05; 0.4 then 0.1 for deeper networks)."
      Schema.number "epsilon" (fun c -> c.Epsilon) (fun x c -> { c with Epsilon = x })
      |> Schema.keyNumber "epsilon" |> Schema.optionNumber "Epsilon" "relaxation step ε (default 1)."
      |> Schema.param
      Schema.number "beta" (fun c -> c.Beta.Value) (fun x c -> { c with Beta = Some x })
      |> Schema.keyNumber "beta" |> Schema.optionNumber "Beta" "nudging strength β (default: the task's reference, NETtalk 1, every other task 0.2)."
      |> Schema.words "nudging strength β" "nudging strength β" |> Schema.param
      Schema.flag "randomBetaSign" (fun c -> c.RandomBetaSign) (fun b c -> { c with RandomBetaSign = b }) |> Schema.param
      |> Schema.withOption "Fixed_Beta_Sign" "keep β positive instead of drawing its sign per batch." (fun _ c -> Ok { c with RandomBetaSign = false })
      yield! Schema.phases
          (fun c -> c.FreeIterations) (fun n c -> { c with FreeIterations = n }) "free-phase steps (default 10, the reference script's)."
          (fun c -> c.NudgeIterations) (fun n c -> { c with NudgeIterations = n }) "nudged-phase steps (default 10, the reference script's)."
      rule
      Schema.bounds (fun c -> c.WeightBounds) (fun b c -> { c with WeightBounds = b })
      Schema.Run.checkInvariants common
      yield! Schema.Run.closing common ]

/// EqProp's memory for its data: weights, about 8 numbers per neuron and sample of a batch, and a persistent particle
/// (every non-input layer) for every training and test sample.
let fits (r: Resolved<EqPropConfig>) (split: DataSplit) =
    let c = r.Config
    let layers = [ split.Train.FeatureCount ] @ c.Run.Hidden @ [ split.Train.TargetCount ]
    let samples = int64 split.Train.Count + int64 split.Test.Count + (match split.StandardTest with null -> 0L | s -> int64 s.Count)
    Limits.networkProblems layers (RunSettings.batchSize c.Run) 8L (samples * (layers.Tail |> List.sumBy int64))

let family: Family<EqPropConfig> =
    { Name = "eqprop"
      DisplayName = "equilibrium propagation"
      PaperCap = (fun task -> match task with Nettalk | Dvs -> Some 0.4 | Mnist | Mnist10k | Fashion -> None)
      Summary = "equilibrium propagation (the paper's ANN: an energy network relaxed to equilibrium)"
      Defaults = defaults
      Resolve = resolve
      Validate = validate
      Parameters = parameters
      Introduced = []
      Treatment = [ "rule"; "theta"; "sbp" ]
      RuleName = ruleName
      Baseline = baseline
      Common = common
      DvsEncoding = DvsEncoding.FramesFlattened
      Build = build
      Fits = fits }

let experiment (c: EqPropConfig) = create family c

/// `sbp train eqprop` options: the cases only (their help and effect are the schema's, `parameters`). An option that
/// does not apply to the chosen rule is refused with the reason.
type Args =
    | Rule of RuleArg
    | Batch_Size of n: int
    | Alpha of rates: float list
    | Beta of beta: float
    | Epsilon of eps: float
    | Fixed_Beta_Sign
    | Free_Iterations of n: int
    | Nudge_Iterations of n: int
    | Theta of theta: float
    // the spread's options carry the prefix of its sweep keys (--sbp-depth sets sbp.depth); the short names stay
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-depth"; Argu.ArguAttributes.AltCommandLine "--depth">] Depth of k: int
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-fraction"; Argu.ArguAttributes.AltCommandLine "--fraction">] Fraction of f: float
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-lambda"; Argu.ArguAttributes.AltCommandLine "--lambda">] Lambda of pre: float * post: float * bp: float
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-top-fraction"; Argu.ArguAttributes.AltCommandLine "--top-fraction">] Top_Fraction of r: float
    | Weight_Bounds of min: float * max: float
    interface Argu.IArgParserTemplate with
        member a.Usage = (optionOf parameters a).Help

let registered = register family
