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

let validate (r: Resolved<SmlpConfig>) =
    let c = r.Config
    [ match c.Gradient with
      | Replaced { By = SbpOperator s } when s.Mode <> SbpMode.Replace -> "the spiking MLP's SBP operator works in replace mode"
      | _ -> ()
      if c.Frames.IsSome && c.Run.Dataset <> Dvs then "frames applies to DVS only"
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

/// Applies a change to the replacement; an error (`refused`) for backprop.
let private onReplacement (refused: string) (f: Replacement -> Result<Replacement, string>) (c: SmlpConfig) =
    match c.Gradient with
    | Replaced r -> f r |> Result.map (fun r -> { c with Gradient = Replaced r })
    | Backprop -> Error refused

/// Applies a change to the replacement, for a sweep key.
let private keyOnReplacement (name: string) f c =
    onReplacement $"{name} applies only to a replaced hidden gradient, not to backprop (set rule=sbp, sbp-operator or zero first)" f c

/// Applies a change to the replacement, for an option.
let private optionOnReplacement (option: string) f c =
    onReplacement $"{option} shapes the replacement of the hidden gradient, which backprop does not have (use --rule sbp, sbp-operator or zero)" f c

/// Where the configuration holds the settings every family has.
let common: Common<SmlpConfig> =
    { Get = fun c -> c.Run
      Set = fun r c -> { c with Run = r } }

/// The comparison's baseline: any replacement of the hidden gradient (with the energy term the authors' SBP run adds,
/// part of the treatment) against plain backprop, everything else equal.
let baseline (c: SmlpConfig) =
    match c.Gradient with
    | Backprop -> None
    | Replaced _ -> Some { c with Gradient = Backprop; Energy = NoEnergy }

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

let private rulesByName =
    [ "bp", Backprop
      "sbp", Replaced(replacement (Sbp referenceGradient))
      "sbp-operator", Replaced(replacement (SbpOperator operatorSpread))
      "zero", Replaced(replacement Zero) ]

/// The reference SBP gradient's forms changed by `f`, for an option; refused for another rule.
let private onGradient (option: string) (f: SbpGradient -> SbpGradient) (c: SmlpConfig) =
    match c.Gradient with
    | Replaced({ By = Sbp g } as r) -> Ok { c with Gradient = Replaced { r with By = Sbp(f g) } }
    | _ -> Error $"{option} shapes the reference SBP gradient, which the rule {ruleName c} does not have (use --rule sbp)"

let private replacementOfRecord (kvs: Decode.Fields) =
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

/// The hidden gradient: nothing for backprop; for a replacement its proportion ("replace"), form, quirks and what
/// replaces (the operator's spread "sbp", or the reference gradient's "hebb", "scaleFrom", "feedback").
let private gradient =
    Schema.entries "replace" (fun c ->
        match c.Gradient with
        | Backprop -> []
        | Replaced r ->
            [ "replace", Num(float r.Proportion)
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
              | Zero -> () ]) (fun kvs c -> { c with Gradient = replacementOfRecord kvs })
    |> Schema.withKey (Keys.choice "rule" [ for name, g in rulesByName -> name, (fun c -> { c with Gradient = g }) ])
    |> Schema.withKey
        { Key.Name = "replace"
          Values = "proportions p in [0, 1] (replaced rules)"
          Set = fun v c -> keyOnReplacement "replace" (fun r -> Keys.float32 v |> Result.map (fun p -> { r with Proportion = p })) c }
    |> Schema.withKey
        { Key.Name = "alternate"
          Values = "k ≥ 0: per-step form, every k-th step backprop"
          Set = fun v c -> keyOnReplacement "alternate" (fun r -> Keys.int v |> Result.map (fun k -> { r with Form = PerStep k })) c }
    |> Schema.withOption "Rule" "bp (default; backprop through time), sbp (the reference SBP gradient), sbp-operator, zero (the control)." (fun vs c ->
        let name = match unbox<RuleArg> vs.Head with RuleArg.Bp -> "bp" | RuleArg.Sbp -> "sbp" | RuleArg.Sbp_Operator -> "sbp-operator" | RuleArg.Zero -> "zero"
        Ok { c with Gradient = rulesByName |> List.find (fst >> (=) name) |> snd })
    |> Schema.withOption "Replace" "replaced rules: fraction p of batches whose hidden gradient is replaced (default 1)." (fun vs c ->
        optionOnReplacement "--replace" (fun r -> Ok { r with Proportion = float32 (unbox<float> vs.Head) }) c)
    |> Schema.withOption "Form" "replaced rules: per-batch (default) or per-step (the reference: inside BPTT, every step)." (fun vs c ->
        optionOnReplacement "--form" (fun r -> Ok { r with Form = (match unbox<FormArg> vs.Head with FormArg.Per_Batch -> PerBatch | FormArg.Per_Step -> PerStep 0) }) c)
    |> Schema.withOption "Alternate" "per-step form: every k-th step uses backprop (default 0 = none)." (fun vs c ->
        optionOnReplacement "--alternate" (fun r ->
            match r.Form with
            | PerStep _ -> Ok { r with Form = PerStep(unbox<int> vs.Head) }
            | PerBatch -> Error "--alternate applies to the per-step form only (add --form per-step)") c)
    |> Schema.withOption "Reference_Quirks" "replaced rules: the reference's quirks in SBP batches (no bias trains, last-step input, H pairing)." (fun _ c ->
        optionOnReplacement "--reference-quirks" (fun r -> Ok { r with ReferenceQuirks = true }) c)
    |> Schema.withOption "Hebb" "rule sbp: H with the one-step lag and 1/B² (reference, default) or same-step." (fun vs c ->
        onGradient "--hebb" (fun g -> { g with Hebb = unbox<HebbForm> vs.Head }) c)
    |> Schema.withOption "Scale_From" "rule sbp: s from the output layer's gradient for every hidden layer (output, default) or the layer above's." (fun vs c ->
        onGradient "--scale-from" (fun g -> { g with ScaleFrom = unbox<ScaleSource> vs.Head }) c)
    |> Schema.withOption "Feedback" "rule sbp: the random feedback, Kaiming-uniform (default) or uniform." (fun vs c ->
        onGradient "--feedback" (fun g -> { g with Feedback = unbox<FeedbackInit> vs.Head }) c)
    |> Schema.spread [ "Depth"; "Fraction" ] "rule sbp-operator"
        (fun c -> match c.Gradient with Replaced { By = SbpOperator s } -> Some s | _ -> None)
        (fun s c -> match c.Gradient with Replaced r -> { c with Gradient = Replaced { r with By = SbpOperator s } } | Backprop -> c) ruleName
        "applies only to the sbp-operator rule (set rule=sbp-operator first)" "sbp-operator"
    |> Schema.withWords "replace" "share of hidden gradients replaced" "replaced"
    |> Schema.withWords "form" "replacement form" "replacement form"
    |> Schema.withWords "alternateEvery" "backprop every k-th step" "backprop every k-th step"
    |> Schema.withWords "referenceQuirks" "reference quirks" "reference quirks"
    |> Schema.withWords "hebb" "Hebbian term" "Hebbian term"
    |> Schema.withWords "scaleFrom" "scale taken from" "scale taken from"
    |> Schema.withWords "feedback" "random feedback" "random feedback"

/// The energy term: its weight ("energy") and gradient ("energyGradient"), nothing when off.
let private energy =
    let withWeight (x: float32) (c: SmlpConfig) =
        { c with Energy = (if x = 0f then NoEnergy else Energy(x, match c.Energy with Energy(_, g) -> g | NoEnergy -> core.EnergyGradient)) }
    Schema.entries "energy" (fun c ->
        match c.Energy with
        | Energy(w, g) -> [ "energy", Num(float w); "energyGradient", Text(string g) ]
        | NoEnergy -> []) (fun kvs c ->
        { c with Energy = (if Decode.has kvs "energy" then Energy(Decode.float32 kvs "energy", Decode.enum<EnergyGradient> kvs "energyGradient") else NoEnergy) })
    |> Schema.withKey { Key.Name = "energy"; Values = "numbers"; Set = fun v c -> Keys.float32 v |> Result.map (fun x -> withWeight x c) }
    |> Schema.withOption "Energy" "weight λ of the reference's energy term added to the loss (default 0 = off; the authors' -energy: 0.1)." (fun vs c ->
        match unbox<float> vs.Head with
        | w when w < 0.0 -> Error $"--energy must be ≥ 0, got {w}"
        | w -> Ok(withWeight (float32 w) c))
    |> Schema.withOption "Energy_Gradient" "with --energy: through the spikes only (spikesonly, the reference, default) or full." (fun vs c ->
        match c.Energy with
        | Energy(w, _) -> Ok { c with Energy = Energy(w, unbox<EnergyGradient> vs.Head) }
        | NoEnergy -> Error "--energy-gradient applies to the energy term only (add --energy λ)")
    |> Schema.withWords "energyGradient" "energy gradient" "energy gradient"

/// The schema: every parameter once, in the order of the description (the order is part of the canonical form the
/// ids hash: it stays as first written).
let parameters: Param<SmlpConfig> list =
    [ Schema.Run.dataset common
      // derived from the hidden layers: written, not read back
      Schema.entries "layerCount" (fun c -> [ "layerCount", Int(int64 (c.Run.Hidden.Length + 2)) ]) (fun _ c -> c)
      yield! Schema.Run.training common "mini-batch size (default: the task's reference, MNIST 100, NETtalk 5, DVS 16)."
      Schema.integer "steps" (fun c -> c.Steps) (fun n c -> { c with Steps = n })
      |> Schema.keyInteger "steps" |> Schema.range "time steps" 1 Limits.maxSteps |> Schema.optionInteger "Steps" "time steps T (default 20)."
      |> Schema.param
      Schema.number "learningRate" (fun c -> c.LearningRate.Value) (fun x c -> { c with LearningRate = Some x })
      |> Schema.keyNumber "learning-rate" |> Schema.optionNumber "Learning_Rate" "Adam learning rate (default: the task's reference, DVS 1e-4, every other task 1e-3)."
      |> Schema.param
      Schema.integer "decayEveryEpochs" (fun c -> c.DecayEveryEpochs) (fun n c -> { c with DecayEveryEpochs = n }) |> Schema.param
      Schema.field "surrogate" (fun c -> Text(string c.Spike)) (fun kvs k c -> { c with Spike = Decode.enum<SpikeFunction> kvs k })
      |> Schema.withOption "Surrogate" "rectangular (STBP, default), sigmoid (SNU), or smooth (σ(10(m − θ)) forward and its exact derivative: for gradient checks)." (fun vs c -> Ok { c with Spike = unbox<SpikeFunction> vs.Head })
      |> Schema.withWords "surrogate" "surrogate gradient" "surrogate gradient"
      gradient
      energy
      Schema.entries "frames" (fun c -> if c.Run.Dataset = Dvs then [ "frames", Int(int64 (framesOf c)) ] else []) (fun kvs c ->
          { c with Frames = (if Decode.dataset kvs = Dvs then Some(Decode.int kvs "frames") else None) })
      |> Schema.withOption "Frames" "DVS: frames per gesture (default 100)." (fun vs c ->
          DataSets.framesFrom "--frames" (unbox<int> vs.Head) |> Result.map (fun n -> { c with Frames = Some n }))
      Schema.Run.checkInvariants common
      yield! Schema.Run.closing common ]

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
      Parameters = parameters
      Introduced = []
      Treatment = [ "rule"; "replace"; "form"; "alternateEvery"; "referenceQuirks"; "sbp"; "hebb"; "scaleFrom"; "feedback"; "energy"; "energyGradient" ]
      RuleName = ruleName
      Baseline = baseline
      Common = common
      DvsEncoding = DvsEncoding.FramesFlattened
      Build = build
      Fits = fits }

let experiment (c: SmlpConfig) = create family c

/// `sbp train smlp` options: the cases only (their help and effect are the schema's, `parameters`). An option that
/// does not apply to the chosen rule is refused with the reason.
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
        member a.Usage = (optionOf parameters a).Help

let registered = register family
