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

let private num (x: float32) = Num(float x)

/// Every parameter of a resolved configuration but the seed, in a fixed order (after "model" and "rule": Experiment.describe).
let describe (r: Resolved<EqPropConfig>) =
    let c = r.Config
    [ RunSettings.datasetEntry c.Run
      yield! RunSettings.trainingEntries c.Run
      "learningRates", Items [ for a in c.LearningRates.Value -> num a ]
      "epsilon", num c.Epsilon
      "beta", num c.Beta.Value
      "randomBetaSign", Flag c.RandomBetaSign
      "freeIterations", Int(int64 c.FreeIterations)
      "nudgeIterations", Int(int64 c.NudgeIterations)
      match c.Rule with
      | SbpEnergy theta -> "theta", num theta
      | SbpOperator s -> "sbp", value s
      | EqProp -> ()
      match c.WeightBounds with
      | Some(lo, hi) -> "weightBounds", Items [ num lo; num hi ]
      | None -> "weightBounds", Text "none"
      RunSettings.checkEntry c.Run
      yield! RunSettings.sizeEntries c.Run
      yield! RunSettings.protocolEntries c.Run ]

let validate (r: Resolved<EqPropConfig>) =
    let c = r.Config
    [ match c.Rule with
      | SbpOperator s when s.Mode <> SbpMode.Modulate -> "equilibrium propagation's SBP operator modulates (the replace mode is the spiking MLP's)"
      | _ -> ()
      yield! Limits.inRange "free-phase iterations" 1 Limits.maxIterations c.FreeIterations
      yield! Limits.inRange "nudged-phase iterations" 1 Limits.maxIterations c.NudgeIterations
      match c.Rule with
      | SbpOperator s -> yield! Limits.inRange "the SBP depth" 0 Limits.maxDepth s.Depth
      | EqProp | SbpEnergy _ -> ()
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

let keys: Key<EqPropConfig> list =
    [ yield! Keys.common common
      Keys.choice "rule" [ "eqprop", (fun c -> { c with Rule = EqProp })
                           "sbp-energy", (fun c -> { c with Rule = SbpEnergy referenceTheta })
                           "sbp", (fun c -> { c with Rule = SbpOperator reference }) ]
      { Key.Name = "theta"
        Values = "numbers (rule sbp-energy)"
        Set = fun v c ->
            match c.Rule with
            | SbpEnergy _ -> Keys.float32 v |> Result.map (fun t -> { c with Rule = SbpEnergy t })
            | _ -> Error "theta applies only to the sbp-energy rule (set rule=sbp-energy first)" }
      yield! Keys.spread (fun c -> match c.Rule with SbpOperator s -> Some s | EqProp | SbpEnergy _ -> None) (fun s c -> { c with Rule = SbpOperator s })
                         "applies only to the sbp rule (set rule=sbp first)"
      Keys.number "beta" (fun x c -> { c with Beta = Some x })
      Keys.number "epsilon" (fun x c -> { c with Epsilon = x })
      Keys.integer "free-iterations" (fun n c -> { c with FreeIterations = n })
      Keys.integer "nudge-iterations" (fun n c -> { c with NudgeIterations = n }) ]

/// The comparison's baseline: the authors' SBP energy and the SBP operator against plain equilibrium propagation.
let baseline (c: EqPropConfig) =
    match c.Rule with
    | EqProp -> None
    | SbpEnergy _ | SbpOperator _ -> Some { c with Rule = EqProp }

/// The resolved configuration a run record describes (the inverse of `describe`).
let ofRecord (kvs: Decode.Fields) =
    { defaults with
        Epsilon = Decode.float32 kvs "epsilon"
        Beta = Some(Decode.float32 kvs "beta")
        RandomBetaSign = Decode.flag kvs "randomBetaSign"
        LearningRates = Some(Decode.float32s kvs "learningRates")
        FreeIterations = Decode.int kvs "freeIterations"
        NudgeIterations = Decode.int kvs "nudgeIterations"
        Rule =
          (if Decode.has kvs "theta" then SbpEnergy(Decode.float32 kvs "theta")
           elif Decode.has kvs "sbp" then SbpOperator(ofValue (Decode.get kvs "sbp"))
           else EqProp)
        WeightBounds = Decode.bounds kvs "weightBounds" }
    |> common.Update(RunSettings.ofRecord kvs)


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
      Describe = describe
      Introduced = []
      Treatment = [ "rule"; "theta"; "sbp" ]
      RuleName = ruleName
      Baseline = baseline
      OfRecord = ofRecord
      Common = common
      DvsEncoding = DvsEncoding.FramesFlattened
      Build = build
      Fits = fits
      Keys = keys }

let experiment (c: EqPropConfig) = create family c

/// The command-line names of the rules.
[<RequireQualifiedAccess>]
type RuleArg =
    | Eqprop
    | Sbp_Energy
    | Sbp

/// `sbp train eqprop` options. An option that does not apply to the chosen rule is refused with the reason.
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
        member a.Usage =
            match a with
            | Rule _ -> "eqprop (default; the baseline), sbp-energy (the authors' SBP energy), sbp (the SBP operator on the weight change)."
            | Batch_Size _ -> "mini-batch size (default: the task's reference, NETtalk and DVS 1, every other task 20)."
            | Alpha _ -> "learning rates per weight layer (default 0.1 0.05; 0.4 then 0.1 for deeper networks)."
            | Beta _ -> "nudging strength β (default: the task's reference, NETtalk 1, every other task 0.2)."
            | Epsilon _ -> "relaxation step ε (default 1)."
            | Fixed_Beta_Sign -> "keep β positive instead of drawing its sign per batch."
            | Free_Iterations _ -> "free-phase steps (default 10, the reference script's)."
            | Nudge_Iterations _ -> "nudged-phase steps (default 10, the reference script's)."
            | Theta _ -> "rule sbp-energy: θ_sbp (default 0.5)."
            | Depth _ -> "rule sbp: propagation depth (default 1)."
            | Fraction _ -> "rule sbp: fraction f (default 0.2)."
            | Lambda _ -> "rule sbp: strengths λ_pre λ_post λ_bp (default 1 0.5 1)."
            | Top_Fraction _ -> "rule sbp: only the ceil(r·n) most-modified neurons propagate (default: the reference range, every neuron)."
            | Weight_Bounds _ -> "clip weights to [min, max] after every update."

let ofArgs (a: Argu.ParseResults<Args>) =
    let rule = a.GetResult(Rule, RuleArg.Eqprop)
    let ruleText = match rule with RuleArg.Eqprop -> "eqprop" | RuleArg.Sbp_Energy -> "sbp-energy" | RuleArg.Sbp -> "sbp"
    if a.Contains Theta && rule <> RuleArg.Sbp_Energy then
        invalidArg "rule" $"--theta sets θ of the authors' SBP energy, which the rule {ruleText} does not use (use --rule sbp-energy)"
    for name, given in [ "--sbp-depth", a.Contains Depth; "--sbp-fraction", a.Contains Fraction; "--sbp-lambda", a.Contains Lambda; "--sbp-top-fraction", a.Contains Top_Fraction ] do
        if given && rule <> RuleArg.Sbp then invalidArg "rule" $"{name} sets the SBP operator's spread, which the rule {ruleText} does not have (use --rule sbp)"
    let d = defaults
    let spread =
        reference
        |> withOptions
            { SpreadOptions.Depth = a.TryGetResult Depth
              Fraction = a.TryGetResult Fraction
              Lambda = a.TryGetResult Lambda
              Mode = None
              TopFraction = a.TryGetResult Top_Fraction }
    { d with
        Run = { d.Run with BatchSize = a.TryGetResult Batch_Size }
        Epsilon = float32 (a.GetResult(Epsilon, float d.Epsilon))
        Beta = a.TryGetResult Beta |> Option.map float32
        RandomBetaSign = not (a.Contains Fixed_Beta_Sign)
        LearningRates = a.TryGetResult Alpha |> Option.map (List.map float32)
        FreeIterations = a.GetResult(Free_Iterations, d.FreeIterations)
        NudgeIterations = a.GetResult(Nudge_Iterations, d.NudgeIterations)
        Rule =
            (match rule with
             | RuleArg.Eqprop -> EqProp
             | RuleArg.Sbp_Energy -> SbpEnergy(float32 (a.GetResult(Theta, float referenceTheta)))
             | RuleArg.Sbp -> SbpOperator spread)
        WeightBounds = a.TryGetResult Weight_Bounds |> Option.map (fun (lo, hi) -> float32 lo, float32 hi) }

let registered = register family (fun o -> ofArgs (o :?> Argu.ParseResults<Args>))
