/// The spiking MLP (the paper's supplementary model, docs/SBP-SPEC.md §6) as a model family: typed configuration (a hidden
/// gradient that is backprop or a replacement, and a replacement's proportion, form and quirks exist only for a
/// replacement), the reference defaults (the core's), the per-task settings of the authors' scripts, and its
/// registration.
module Sbp.Experiments.SmlpConfig

open Sbp.Core.Data
open Sbp.Core.Learning
open Sbp.Core.Models
open Sbp.Core.Plasticity
open Sbp.Experiments.DataSets
open Sbp.Experiments.Experiment
open Sbp.Experiments.RunRecord
open Sbp.Experiments.Spread

/// The forms of the reference SBP gradient (docs/SBP-SPEC.md §6, §11); the reference's by default, the clean variants
/// selectable.
type SbpGradient =
    { /// H: the reference's one-step lag with 1/B², or the clean same-step form.
      Hebb: HebbForm
      /// s from the output layer's gradient for every hidden layer (the reference) or from the layer above's.
      ScaleFrom: ScaleSource
      /// The fixed random feedback's distribution (the reference: Kaiming-uniform).
      Feedback: FeedbackInit }

/// What replaces the hidden layers' backprop gradient.
type Replacer =
    /// The reference SBP gradient.
    | Sbp of SbpGradient
    /// The SBP operator in replace mode, synthesising the hidden change from the layer above's.
    | SbpOperator of SbpSpread
    /// The control: no hidden gradient at all.
    | Zero

/// Where the replacement happens.
type Form =
    /// A fraction of the batches, chosen from the seed, use the replacement for the whole batch.
    | PerBatch
    /// The reference: inside BPTT every step's hidden contribution is replaced, except every k-th step (0 = none).
    | PerStep of alternateEvery: int

type Replacement =
    { By: Replacer
      /// Fraction p ∈ [0, 1] of batches (per-batch form) whose hidden gradient is replaced.
      Proportion: float32
      Form: Form
      /// The reference's quirks in SBP batches (no bias trains, last-step input, H pairing).
      ReferenceQuirks: bool }

/// The hidden layers' gradient.
type HiddenGradient =
    | Backprop
    | Replaced of Replacement

/// The reference's energy ("potential") term added to the loss (its `-energy`).
type EnergyTerm =
    | NoEnergy
    /// L = MSE + weight·Σ_k |P_k|, differentiated as `gradient` says (the reference: through the spikes only).
    | Energy of weight: float32 * gradient: EnergyGradient

type SmlpConfig =
    { /// The data, hidden layers, epochs, batch (None: the task's reference, MNIST 100, NETtalk 5, DVS 16), invariant
      /// checks and seed.
      Run: RunSettings
      Steps: int
      /// None: the task's reference Adam rate (DVS 1e-4, every other task 1e-3).
      LearningRate: float32 option
      DecayEveryEpochs: int
      Spike: SpikeFunction
      Gradient: HiddenGradient
      Energy: EnergyTerm
      /// DVS: frames per sample (step t reads frame ⌊t·F/T⌋; None: 100); other tasks have none.
      Frames: int option }

let private core = SmlpParameters()

/// The reference SBP gradient's forms (the core's defaults).
let referenceGradient = { Hebb = core.Hebb; ScaleFrom = core.ScaleFrom; Feedback = core.Feedback }

/// A replacement with the reference's settings: every batch (p = 1), per-batch form, no quirks.
let replacement (by: Replacer) = { By = by; Proportion = core.ReplaceProportion; Form = PerBatch; ReferenceQuirks = false }

/// The SBP operator's reference spread in replace mode.
let operatorSpread = { reference with Mode = SbpMode.Replace }

/// The reference: 784-500-10, T = 20, Adam (×0.1 every 50 epochs), STBP surrogate, plain BP.
let defaults =
    { Run = RunSettings.onMnist ShuffledEachEpoch [ core.LayerSizes[1] ] core.CheckInvariants core.Seed
      Steps = core.Steps
      LearningRate = None
      DecayEveryEpochs = core.DecayEveryEpochs
      Spike = core.Spike
      Gradient = Backprop
      Energy = NoEnergy
      Frames = None }

/// The authors' SBP run (`-sbp -energy`): the reference SBP gradient inside BPTT at every step, with its quirks, and
/// the energy term with weight 0.1.
let paperSbp =
    { defaults with
        Gradient = Replaced { replacement (Sbp referenceGradient) with Form = PerStep 0; ReferenceQuirks = true }
        Energy = Energy(0.1f, EnergyGradient.SpikesOnly) }

let referenceBatch (d: DataSetName) =
    match d with
    | Nettalk -> 5
    | Dvs -> 16
    | Mnist | Mnist10k | Fashion -> core.BatchSize

let referenceLearningRate (d: DataSetName) =
    match d with
    | Dvs -> 1e-4f
    | Mnist | Mnist10k | Fashion | Nettalk -> core.Adam.LearningRate

/// The fields the configuration leaves to its task, filled in with the task's reference settings.
let private resolveFields (c: SmlpConfig) =
    { c with
        Run = RunSettings.withReference referenceBatch RunSettings.standardTest c.Run
        LearningRate = Some(c.LearningRate |> Option.defaultValue (referenceLearningRate c.Run.Dataset)) }

/// The configuration with its task's reference settings filled in (a value set explicitly is kept), resolved once.
let resolve (c: SmlpConfig) = Resolved(resolveFields c)

/// The input code each data set uses: Bernoulli rates for images, static windows for NETtalk, frames for DVS.
let encodingOf (d: DataSetName) =
    match d with
    | Nettalk -> InputEncoding.Static
    | Dvs -> InputEncoding.Frames
    | Mnist | Mnist10k | Fashion -> InputEncoding.Bernoulli

/// DVS frames per sample (default 100).
let framesOf (c: SmlpConfig) = defaultArg c.Frames 100

let toParameters (resolved: Resolved<SmlpConfig>) (inputs: int) (outputs: int) =
    let c = resolved.Config
    let r = match c.Gradient with Replaced r -> Some r | Backprop -> None
    SmlpParameters(
        LayerSizes = [| yield inputs; yield! c.Run.Hidden; yield outputs |],
        Steps = c.Steps,
        BatchSize = RunSettings.batchSize c.Run,
        Spike = c.Spike,
        Encoding = encodingOf c.Run.Dataset,
        Frames = (if encodingOf c.Run.Dataset = InputEncoding.Frames then framesOf c else 1),
        Adam = AdamParameters(LearningRate = c.LearningRate.Value),
        DecayEveryEpochs = c.DecayEveryEpochs,
        Rule =
            (match r with
             | None -> Sbp.Core.Models.HiddenGradient.Backprop
             | Some { By = Sbp _ } -> Sbp.Core.Models.HiddenGradient.Sbp
             | Some { By = SbpOperator _ } -> Sbp.Core.Models.HiddenGradient.SbpOperator
             | Some { By = Zero } -> Sbp.Core.Models.HiddenGradient.Zero),
        ReplaceProportion = (r |> Option.map (fun r -> r.Proportion) |> Option.defaultValue core.ReplaceProportion),
        Form = (match r with Some { Form = PerStep _ } -> ReplacementForm.PerStep | _ -> ReplacementForm.PerBatch),
        AlternateEvery = (match r with Some { Form = PerStep k } -> k | _ -> 0),
        ReferenceQuirks = (r |> Option.exists (fun r -> r.ReferenceQuirks)),
        Hebb = (match r with Some { By = Sbp g } -> g.Hebb | _ -> core.Hebb),
        ScaleFrom = (match r with Some { By = Sbp g } -> g.ScaleFrom | _ -> core.ScaleFrom),
        Feedback = (match r with Some { By = Sbp g } -> g.Feedback | _ -> core.Feedback),
        EnergyWeight = (match c.Energy with Energy(w, _) -> w | NoEnergy -> 0f),
        EnergyGradient = (match c.Energy with Energy(_, g) -> g | NoEnergy -> core.EnergyGradient),
        Sbp = (match r with Some { By = SbpOperator s } -> toCore s | _ -> toCore operatorSpread),
        CheckInvariants = c.Run.CheckInvariants,
        Seed = c.Run.Seed)

let ruleName (c: SmlpConfig) =
    match c.Gradient with
    | Backprop -> "bp"
    | Replaced { By = Sbp _ } -> "sbp"
    | Replaced { By = SbpOperator _ } -> "sbp-operator"
    | Replaced { By = Zero } -> "zero"

let private num (x: float32) = Num(float x)

/// Every parameter of a resolved configuration but the seed, in a fixed order (after "model" and "rule": Experiment.describe).
let describe (r: Resolved<SmlpConfig>) =
    let c = r.Config
    [ RunSettings.datasetEntry c.Run
      "layerCount", Int(int64 (c.Run.Hidden.Length + 2))
      yield! RunSettings.trainingEntries c.Run
      "steps", Int(int64 c.Steps)
      "learningRate", num c.LearningRate.Value
      "decayEveryEpochs", Int(int64 c.DecayEveryEpochs)
      "surrogate", Text(string c.Spike)
      match c.Gradient with
      | Backprop -> ()
      | Replaced r ->
          "replace", num r.Proportion
          match r.Form with
          | PerBatch -> "form", Text(string ReplacementForm.PerBatch)
          | PerStep k ->
              "form", Text(string ReplacementForm.PerStep)
              "alternateEvery", Int(int64 k)
          "referenceQuirks", Flag r.ReferenceQuirks
          match r.By with
          | SbpOperator s -> "sbp", value s
          | Sbp g ->
              "hebb", Text(string g.Hebb)
              "scaleFrom", Text(string g.ScaleFrom)
              "feedback", Text(string g.Feedback)
          | Zero -> ()
      match c.Energy with
      | Energy(w, g) ->
          "energy", num w
          "energyGradient", Text(string g)
      | NoEnergy -> ()
      if c.Run.Dataset = Dvs then "frames", Int(int64 (framesOf c))
      RunSettings.checkEntry c.Run
      yield! RunSettings.sizeEntries c.Run
      yield! RunSettings.protocolEntries c.Run ]

let validate (r: Resolved<SmlpConfig>) =
    let c = r.Config
    [ match c.Gradient with
      | Replaced { By = SbpOperator s } when s.Mode <> SbpMode.Replace -> "the spiking MLP's SBP operator works in replace mode"
      | _ -> ()
      if c.Frames.IsSome && c.Run.Dataset <> Dvs then "frames applies to DVS only"
      yield! Limits.inRange "time steps" 1 Limits.maxSteps c.Steps
      match c.Gradient with
      | Replaced { By = SbpOperator s } -> yield! Limits.inRange "the SBP depth" 0 Limits.maxDepth s.Depth
      | _ -> ()
      yield! (toParameters r (framesOf c) 1).Problems() ]

let build (r: Resolved<SmlpConfig>) (split: DataSplit) : Training.Built =
    let c = r.Config
    let p = toParameters r split.Train.FeatureCount split.Train.TargetCount
    let net = SpikingMlp p
    let initial = Artifacts.histograms net.Weights
    { Model = Training.smlpModel net
      Execution = net
      Extra = [ "layers", Items [ for n in p.LayerSizes -> Int(int64 n) ] ]
      Artifacts = fun () -> Artifacts.ofWeights initial net.Weights }

/// Applies a change to the replacement, an error for backprop.
let private onReplacement (name: string) (f: Replacement -> Result<Replacement, string>) (c: SmlpConfig) =
    match c.Gradient with
    | Replaced r -> f r |> Result.map (fun r -> { c with Gradient = Replaced r })
    | Backprop -> Error $"{name} applies only to a replaced hidden gradient, not to backprop (set rule=sbp, sbp-operator or zero first)"

/// Where the configuration holds the settings every family has.
let common: Common<SmlpConfig> =
    { Get = fun c -> c.Run
      Set = fun r c -> { c with Run = r } }

let keys: Key<SmlpConfig> list =
    [ yield! Keys.common common
      Keys.choice "rule" [ "bp", (fun c -> { c with Gradient = Backprop })
                           "sbp", (fun c -> { c with Gradient = Replaced(replacement (Sbp referenceGradient)) })
                           "sbp-operator", (fun c -> { c with Gradient = Replaced(replacement (SbpOperator operatorSpread)) })
                           "zero", (fun c -> { c with Gradient = Replaced(replacement Zero) }) ]
      { Key.Name = "replace"
        Values = "proportions p in [0, 1] (replaced rules)"
        Set = fun v c -> onReplacement "replace" (fun r -> Keys.float32 v |> Result.map (fun p -> { r with Proportion = p })) c }
      { Key.Name = "alternate"
        Values = "k ≥ 0: per-step form, every k-th step backprop"
        Set = fun v c -> onReplacement "alternate" (fun r -> Keys.int v |> Result.map (fun k -> { r with Form = PerStep k })) c }
      yield! Keys.spread (fun c -> match c.Gradient with Replaced { By = SbpOperator s } -> Some s | _ -> None)
                         (fun s c -> match c.Gradient with Replaced r -> { c with Gradient = Replaced { r with By = SbpOperator s } } | Backprop -> c)
                         "applies only to the sbp-operator rule (set rule=sbp-operator first)"
      Keys.integer "steps" (fun n c -> { c with Steps = n })
      Keys.number "learning-rate" (fun x c -> { c with LearningRate = Some x })
      Keys.number "energy" (fun x c -> { c with Energy = (if x = 0f then NoEnergy else Energy(x, match c.Energy with Energy(_, g) -> g | NoEnergy -> core.EnergyGradient)) }) ]

/// The comparison's baseline: any replacement of the hidden gradient (with the energy term the authors' SBP run adds,
/// part of the treatment) against plain backprop, everything else equal.
let baseline (c: SmlpConfig) =
    match c.Gradient with
    | Backprop -> None
    | Replaced _ -> Some { c with Gradient = Backprop; Energy = NoEnergy }

/// The resolved configuration a run record describes (the inverse of `describe`).
let ofRecord (kvs: Decode.Fields) =
    let dataset = Decode.dataset kvs
    let gradient =
        if not (Decode.has kvs "replace") then Backprop
        else
            let by =
                if Decode.has kvs "sbp" then SbpOperator(ofValue (Decode.get kvs "sbp"))
                elif Decode.has kvs "hebb" then
                    Sbp { Hebb = Decode.enum<HebbForm> kvs "hebb"
                          ScaleFrom = Decode.enum<ScaleSource> kvs "scaleFrom"
                          Feedback = Decode.enum<FeedbackInit> kvs "feedback" }
                else Zero
            Replaced
                { By = by
                  Proportion = Decode.float32 kvs "replace"
                  Form =
                    (match Decode.enum<ReplacementForm> kvs "form" with
                     | ReplacementForm.PerStep -> PerStep(Decode.int kvs "alternateEvery")
                     | _ -> PerBatch)
                  ReferenceQuirks = Decode.flag kvs "referenceQuirks" }
    { defaults with
        Steps = Decode.int kvs "steps"
        LearningRate = Some(Decode.float32 kvs "learningRate")
        DecayEveryEpochs = Decode.int kvs "decayEveryEpochs"
        Spike = Decode.enum<SpikeFunction> kvs "surrogate"
        Gradient = gradient
        Energy = (if Decode.has kvs "energy" then Energy(Decode.float32 kvs "energy", Decode.enum<EnergyGradient> kvs "energyGradient") else NoEnergy)
        Frames = (if dataset = Dvs then Some(Decode.int kvs "frames") else None) }
    |> common.Update(RunSettings.ofRecord kvs)


/// The spiking MLP's memory for its data: weights (and Adam's two moments), and about 4 numbers per neuron, sample
/// and time step (backprop through time keeps every step).
let fits (r: Resolved<SmlpConfig>) (split: DataSplit) =
    let c = r.Config
    let layers = [ split.Train.FeatureCount / (if encodingOf c.Run.Dataset = InputEncoding.Frames then framesOf c else 1) ] @ c.Run.Hidden @ [ split.Train.TargetCount ]
    let weights = layers |> List.pairwise |> List.sumBy (fun (a, b) -> int64 a * int64 b)
    Limits.networkProblems layers (RunSettings.batchSize c.Run) (4L * int64 c.Steps) (2L * weights)

let family: Family<SmlpConfig> =
    { Name = "smlp"
      DisplayName = "spiking MLP"
      PaperCap = (fun _ -> None)
      Summary = "the spiking MLP trained by surrogate-gradient BPTT, its hidden gradient optionally replaced"
      Defaults = defaults
      Resolve = resolve
      Validate = validate
      Describe = describe
      Introduced = []
      Treatment = [ "rule"; "replace"; "form"; "alternateEvery"; "referenceQuirks"; "sbp"; "hebb"; "scaleFrom"; "feedback"; "energy"; "energyGradient" ]
      RuleName = ruleName
      Baseline = baseline
      OfRecord = ofRecord
      Common = common
      DvsEncoding = DvsEncoding.FramesFlattened
      Build = build
      Fits = fits
      Keys = keys }

let experiment (c: SmlpConfig) = create family c

[<RequireQualifiedAccess>]
type RuleArg =
    | Bp
    | Sbp
    | Sbp_Operator
    | Zero

[<RequireQualifiedAccess>]
type FormArg =
    | Per_Batch
    | Per_Step

type Args =
    | Rule of RuleArg
    | Batch_Size of n: int
    | Steps of t: int
    | Learning_Rate of lr: float
    | Surrogate of SpikeFunction
    | Replace of p: float
    | Form of FormArg
    | Alternate of k: int
    | Reference_Quirks
    | Hebb of HebbForm
    | Scale_From of ScaleSource
    | Feedback of FeedbackInit
    | Energy of weight: float
    | Energy_Gradient of EnergyGradient
    // the spread's options carry the prefix of its sweep keys (--sbp-depth sets sbp.depth); the short names stay
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-depth"; Argu.ArguAttributes.AltCommandLine "--depth">] Depth of k: int
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-fraction"; Argu.ArguAttributes.AltCommandLine "--fraction">] Fraction of f: float
    | Frames of n: int
    interface Argu.IArgParserTemplate with
        member a.Usage =
            match a with
            | Rule _ -> "bp (default; backprop through time), sbp (the reference SBP gradient), sbp-operator, zero (the control)."
            | Batch_Size _ -> "mini-batch size (default: the task's reference, MNIST 100, NETtalk 5, DVS 16)."
            | Steps _ -> "time steps T (default 20)."
            | Learning_Rate _ -> "Adam learning rate (default: the task's reference, DVS 1e-4, every other task 1e-3)."
            | Surrogate _ -> "rectangular (STBP, default) or sigmoid (SNU)."
            | Replace _ -> "replaced rules: fraction p of batches whose hidden gradient is replaced (default 1)."
            | Form _ -> "replaced rules: per-batch (default) or per-step (the reference: inside BPTT, every step)."
            | Alternate _ -> "per-step form: every k-th step uses backprop (default 0 = none)."
            | Reference_Quirks -> "replaced rules: the reference's quirks in SBP batches (no bias trains, last-step input, H pairing)."
            | Hebb _ -> "rule sbp: H with the one-step lag and 1/B² (reference, default) or same-step."
            | Scale_From _ -> "rule sbp: s from the output layer's gradient for every hidden layer (output, default) or the layer above's."
            | Feedback _ -> "rule sbp: the random feedback, Kaiming-uniform (default) or uniform."
            | Energy _ -> "weight λ of the reference's energy term added to the loss (default 0 = off; the authors' -energy: 0.1)."
            | Energy_Gradient _ -> "with --energy: through the spikes only (spikesonly, the reference, default) or full."
            | Depth _ -> "rule sbp-operator: propagation depth (default 1)."
            | Fraction _ -> "rule sbp-operator: fraction f (default 0.2)."
            | Frames _ -> "DVS: frames per gesture (default 100)."

let ofArgs (a: Argu.ParseResults<Args>) =
    let rule = a.GetResult(Rule, RuleArg.Bp)
    let ruleText = match rule with RuleArg.Bp -> "bp" | RuleArg.Sbp -> "sbp" | RuleArg.Sbp_Operator -> "sbp-operator" | RuleArg.Zero -> "zero"
    if rule = RuleArg.Bp then
        for name, given in [ "--replace", a.Contains Replace; "--form", a.Contains Form; "--alternate", a.Contains Alternate; "--reference-quirks", a.Contains Reference_Quirks ] do
            if given then invalidArg "rule" $"{name} shapes the replacement of the hidden gradient, which backprop does not have (use --rule sbp, sbp-operator or zero)"
    for name, given in [ "--hebb", a.Contains Hebb; "--scale-from", a.Contains Scale_From; "--feedback", a.Contains Feedback ] do
        if given && rule <> RuleArg.Sbp then invalidArg "rule" $"{name} shapes the reference SBP gradient, which the rule {ruleText} does not have (use --rule sbp)"
    if a.Contains Energy_Gradient && not (a.Contains Energy) then invalidArg "energy" "--energy-gradient applies to the energy term only (add --energy λ)"
    for name, given in [ "--sbp-depth", a.Contains Depth; "--sbp-fraction", a.Contains Fraction ] do
        if given && rule <> RuleArg.Sbp_Operator then invalidArg "rule" $"{name} sets the SBP operator's spread, which the rule {ruleText} does not have (use --rule sbp-operator)"
    if a.Contains Alternate && a.GetResult(Form, FormArg.Per_Batch) <> FormArg.Per_Step then invalidArg "form" "--alternate applies to the per-step form only (add --form per-step)"
    let d = defaults
    let by =
        match rule with
        | RuleArg.Bp -> None
        | RuleArg.Sbp ->
            Some(Replacer.Sbp
                     { Hebb = a.GetResult(Hebb, referenceGradient.Hebb)
                       ScaleFrom = a.GetResult(Scale_From, referenceGradient.ScaleFrom)
                       Feedback = a.GetResult(Feedback, referenceGradient.Feedback) })
        | RuleArg.Sbp_Operator ->
            Some(SbpOperator { operatorSpread with Depth = a.GetResult(Depth, operatorSpread.Depth); Fraction = float32 (a.GetResult(Fraction, float operatorSpread.Fraction)) })
        | RuleArg.Zero -> Some Replacer.Zero
    { d with
        Run = { d.Run with BatchSize = a.TryGetResult Batch_Size }
        Steps = a.GetResult(Steps, d.Steps)
        LearningRate = a.TryGetResult Learning_Rate |> Option.map float32
        Spike = a.GetResult(Surrogate, d.Spike)
        Gradient =
            (match by with
             | None -> Backprop
             | Some by ->
                 Replaced
                     { replacement by with
                         Proportion = float32 (a.GetResult(Replace, float core.ReplaceProportion))
                         Form = (match a.GetResult(Form, FormArg.Per_Batch) with FormArg.Per_Batch -> PerBatch | FormArg.Per_Step -> PerStep(a.GetResult(Alternate, 0)))
                         ReferenceQuirks = a.Contains Reference_Quirks })
        Energy =
            (match a.TryGetResult Energy with
             | Some w when w > 0.0 -> EnergyTerm.Energy(float32 w, a.GetResult(Energy_Gradient, core.EnergyGradient))
             | Some w when w < 0.0 -> invalidArg "energy" $"--energy must be ≥ 0, got {w}"
             | _ -> NoEnergy)
        Frames = a.TryGetResult Frames |> Option.map DataSets.dvsFrames }

let registered = register family (fun o -> ofArgs (o :?> Argu.ParseResults<Args>))
