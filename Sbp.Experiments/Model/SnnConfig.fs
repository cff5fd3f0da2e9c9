/// The spiking STDP network (docs/SBP-SPEC.md §4) as a model family: its typed configuration (a rule that carries its own
/// parameters, an SBP spread that exists only where SBP is on), the reference defaults (read from the core's
/// parameter record, not copied), the per-task settings, and its registration.
module Sbp.Experiments.SnnConfig

open Sbp.Core.Data
open Sbp.Core.Models
open Sbp.Core.Neurons
open Sbp.Core.Numerics
open Sbp.Core.Plasticity
open Sbp.Experiments.DataSets
open Sbp.Experiments.Experiment
open Sbp.Experiments.RunRecord
open Sbp.Experiments.Spread

/// A plasticity rule defined outside the library, in an F# script (docs/extending.md): its name and named parameters
/// enter the experiment's id, the run record and the tables; `Create` builds the core rule (an `IPlasticityRule`)
/// from the parameters. A rule read back from a record has `Create` only when a script registered its name
/// (`customRule`); reading, grouping and comparing runs never needs it, training does.
[<CustomEquality; NoComparison>]
type CustomRule =
    { Name: string
      Parameters: (string * float) list
      Create: ((string * float) list -> IPlasticityRule) option }
    override r.Equals(o: obj) =
        match o with
        | :? CustomRule as x -> x.Name = r.Name && x.Parameters = r.Parameters
        | _ -> false
    override r.GetHashCode() = hash (r.Name, r.Parameters)

/// The base plasticity rule; the spike-timing rule carries its window, a custom rule its parameters.
type Rule =
    /// The symmetric contrastive STDP of the reference (the baseline).
    | Symmetric
    | Differential
    /// The SBP base rule (with the reference spread: the paper's SBP).
    | SbpBase
    /// Pair-based STDP with an exponential window.
    | SpikeTiming of StdpWindow
    /// A rule given as a value (an `IPlasticityRule` from a script).
    | Custom of CustomRule

/// The SBP spread on top of the base rule.
type Spread =
    | NoSpread
    | Spread of SbpSpread

type SnnConfig =
    { /// The data, hidden layers, epochs, batch (None: the task's reference, NETtalk 1, every other task 50), invariant
      /// checks and seed.
      Run: RunSettings
      Rule: Rule
      Spread: Spread
      /// Per weight layer; None = the reference's rates for this depth (`defaultRates`).
      LearningRates: float32 list option
      Beta: float32
      Epsilon: float32
      FreeIterations: int
      NudgeIterations: int
      TimeWindowMs: float32
      Lif: LifParameters
      ResetStatePerBatch: bool
      WeightBounds: (float32 * float32) option
      InhibitoryFraction: float32
      ShortTermPlasticity: bool
      /// How σ = tanh(·/2) is computed (Exact: the bits of every record before this option; Fast: single precision).
      Sigma: TanhForm }

let private core = SnnParameters()

/// The reference configuration: 784-500-10 on MNIST, symmetric STDP, seed 100 (the core's defaults).
let defaults =
    { Run = RunSettings.onMnist FileOrder [ core.LayerSizes[1] ] core.CheckInvariants core.Seed
      Rule = Symmetric
      Spread = NoSpread
      LearningRates = None
      Beta = core.Beta
      Epsilon = core.Epsilon
      FreeIterations = core.FreeIterations
      NudgeIterations = core.NudgeIterations
      TimeWindowMs = core.TimeWindowMs
      Lif = core.Lif
      ResetStatePerBatch = core.ResetStatePerBatch
      WeightBounds = None
      InhibitoryFraction = core.InhibitoryFraction
      ShortTermPlasticity = false
      Sigma = core.Sigma }

/// The paper's SBP run: the SBP base rule with the reference spread.
let paperSbp = { defaults with Rule = SbpBase; Spread = Spread reference }

/// The reference's batch size per task: NETtalk trains sample by sample, every other task in batches of 50.
let referenceBatch (d: DataSetName) =
    match d with
    | Nettalk -> 1
    | Mnist | Mnist10k | Fashion | Dvs -> core.BatchSize

/// The reference learning rates by number of weight layers: [0.1, 0.05] for 2; with 3 or more, 0.4 for the first
/// weight layer and 0.1 for every other (the reference indexes its rate list so that its last entry, 0.01, is never
/// used: 5 layers get [0.4, 0.1, 0.1, 0.1]).
let defaultRates (weightLayers: int) =
    match weightLayers with
    | 1 -> [ 0.1f ]
    | 2 -> [ 0.1f; 0.05f ]
    | n -> 0.4f :: List.replicate (n - 1) 0.1f

/// The fields the configuration leaves to its task, filled in with the task's reference settings.
let private resolveFields (c: SnnConfig) =
    { c with
        Run = RunSettings.withReference referenceBatch RunSettings.standardTest c.Run
        LearningRates = Some(c.LearningRates |> Option.defaultWith (fun () -> defaultRates (c.Run.Hidden.Length + 1))) }

/// The configuration with its task's reference settings filled in (a value set explicitly is kept), resolved once.
let resolve (c: SnnConfig) = Resolved(resolveFields c)

let private baseRule (r: Rule) =
    match r with
    | Symmetric | Custom _ -> BaseRule.Symmetric
    | Differential -> BaseRule.Differential
    | SbpBase -> BaseRule.SbpBase
    | SpikeTiming _ -> BaseRule.SpikeTiming

/// The base rule's name in records ("Symmetric", …, "Custom" for a rule given as a value).
let private baseRuleText (r: Rule) =
    match r with
    | Custom _ -> "Custom"
    | _ -> string (baseRule r)

/// The rules scripts registered in this process, by name (what a record's custom rule is built from).
let private scriptRules = System.Collections.Concurrent.ConcurrentDictionary<string, (string * float) list -> IPlasticityRule>()

/// The names of the built-in rules that are cases of `Rule` (the catalogue's rules are values).
let private caseNames = [ "symmetric"; "differential"; "sbp-base"; "stdp-window"; "sbp" ]

/// The built-in rules' names, which a script's rule may not take.
let private builtInNames = set (caseNames @ [ "custom" ] @ [ for e in SnnRuleCatalogue.entries -> e.Name ])

/// How a catalogue rule's core rule is built from its named values (SnnRuleCatalogue.problems checks them first).
let private catalogueCreate (e: SnnRuleCatalogue.Entry) = fun (ps: (string * float) list) -> SnnRuleCatalogue.create e ps

/// A built-in rule of the catalogue (SnnRuleCatalogue) with the given parameter values, its defaults for the others.
///   catalogueRule "symmetric-decay" [ "lambda", 0.01 ]
let catalogueRule (name: string) (values: (string * float) list) =
    match SnnRuleCatalogue.tryFind name with
    | None ->
        let known = System.String.Join(", ", SnnRuleCatalogue.entries |> List.map (fun e -> e.Name))
        invalidArg "rule" $"no catalogue rule '{name}' (the catalogue: {known})"
    | Some e ->
        let given k = values |> List.tryFind (fst >> (=) k) |> Option.map snd
        let ps =
            [ for p in e.Parameters -> p.Name, defaultArg (given p.Name) p.Default
              for k, v in values do if e.Parameters |> List.forall (fun p -> p.Name <> k) then yield k, v ]
        Custom { Name = e.Name; Parameters = ps; Create = Some(catalogueCreate e) }

/// A rule from a script: its name (lower-case letters, digits and '-'), its named parameters, and how the core rule is
/// built from them; registered under its name so that records of it read back trainable in this process.
///   customRule "bcm" [ "theta", 0.2 ] (fun ps -> BcmRule(ps))
let customRule (name: string) (parameters: (string * float) list) (create: (string * float) list -> IPlasticityRule) =
    if System.String.IsNullOrEmpty name || name |> Seq.exists (fun ch -> not (System.Char.IsAsciiLetterLower ch || System.Char.IsAsciiDigit ch || ch = '-')) then
        invalidArg "name" $"a rule's name is lower-case letters, digits and '-' (got '{name}')"
    if builtInNames.Contains name then invalidArg "name" $"'{name}' names a built-in rule; choose another name"
    scriptRules[name] <- create
    Custom { Name = name; Parameters = parameters; Create = Some create }
/// The core's parameters of a resolved configuration for the given input and output sizes.
let toParameters (r: Resolved<SnnConfig>) (inputs: int) (outputs: int) =
    let c = r.Config
    SnnParameters(
        LayerSizes = [| yield inputs; yield! c.Run.Hidden; yield outputs |],
        BatchSize = RunSettings.batchSize c.Run,
        TimeWindowMs = c.TimeWindowMs,
        Lif = c.Lif,
        FreeIterations = c.FreeIterations,
        NudgeIterations = c.NudgeIterations,
        Epsilon = c.Epsilon,
        Beta = c.Beta,
        LearningRates = Array.ofList c.LearningRates.Value,
        Rule = baseRule c.Rule,
        CustomRule = (match c.Rule with Custom { Create = Some create; Parameters = ps } -> create ps | _ -> null),
        Sbp = (match c.Spread with Spread s -> toCore s | NoSpread -> null),
        Window = (match c.Rule with SpikeTiming w -> w | _ -> core.Window),
        ResetStatePerBatch = c.ResetStatePerBatch,
        WeightMin = (c.WeightBounds |> Option.map fst |> Option.toNullable),
        WeightMax = (c.WeightBounds |> Option.map snd |> Option.toNullable),
        InhibitoryFraction = c.InhibitoryFraction,
        ShortTermPlasticity = (if c.ShortTermPlasticity then StpParameters(DtMs = c.Lif.DtMs) else null),
        CheckInvariants = c.Run.CheckInvariants,
        Sigma = c.Sigma,
        Seed = c.Run.Seed)

/// The rule's name in records and tables: the base rule, "+sbp" with the spread; the SBP base rule with the spread
/// is the paper's "sbp".
let ruleName (c: SnnConfig) =
    let b =
        match c.Rule with
        | Symmetric -> "symmetric"
        | Differential -> "differential"
        | SbpBase -> "sbp-base"
        | SpikeTiming _ -> "stdp-window"
        | Custom r -> r.Name
    match c.Rule, c.Spread with
    | SbpBase, Spread _ -> "sbp"
    | _, Spread _ -> b + "+sbp"
    | _, NoSpread -> b

/// Every reason a configuration cannot run (the core's checks, on a stand-in 1-input, 1-output network).
let validate (r: Resolved<SnnConfig>) =
    let c = r.Config
    match
        [ if c.Run.Hidden.IsEmpty then "the spiking STDP network needs at least one hidden layer"
          match c.Rule with
          | Custom { Name = n; Create = None } -> $"the rule '{n}' was read from a record; a script defines it (SnnConfig.customRule) before it can train"
          | Custom r ->
              match SnnRuleCatalogue.tryFind r.Name with
              | Some e -> yield! SnnRuleCatalogue.problems e r.Parameters
              | None -> ()
          | _ -> ()
          yield! Limits.steps c.TimeWindowMs c.Lif.DtMs ]
    with
    | [] -> (toParameters r 1 1).Problems() |> List.ofSeq
    | ps -> ps

/// The network of a configuration for the given data: layer sizes from the data, artifacts = weight histograms and a
/// spike raster of three test samples.
let build (r: Resolved<SnnConfig>) (split: DataSplit) : Training.Built =
    let c = r.Config
    let p = toParameters r split.Train.FeatureCount split.Train.TargetCount
    let net = SpikingStdpNetwork p
    let initial = Artifacts.histograms net.Weights
    { Model = Training.snnModel net
      Execution = net
      Extra = [ "layers", Items [ for n in p.LayerSizes -> Int(int64 n) ] ]
      Artifacts = fun () -> Artifacts.ofSnn initial net split.Test (min 3 p.BatchSize) }

/// Where the configuration holds the settings every family has.
let common: Common<SnnConfig> =
    { Get = fun c -> c.Run
      Set = fun r c -> { c with Run = r } }

/// The comparison's baseline: every other rule (SBP with any spread, a base rule with the spread, another base rule)
/// against symmetric STDP without spread, everything else equal.
let baseline (c: SnnConfig) =
    match c.Rule, c.Spread with
    | Symmetric, NoSpread -> None
    | _ -> Some { c with Rule = Symmetric; Spread = NoSpread }

/// The rule of a record: "baseRule", with "customRule" or "stdpWindow" where the base rule has them.
let private ruleOfRecord (kvs: Decode.Fields) =
    match Decode.text kvs "baseRule" with
    | "Symmetric" -> Symmetric
    | "Differential" -> Differential
    | "SbpBase" -> SbpBase
    | "Custom" ->
        let r = Decode.fields kvs "customRule"
        let name = Decode.text r "name"
        let ps =
            Decode.fields r "parameters"
            |> List.map (fun (k, v) ->
                match v with
                | Num x -> k, x
                | Int i -> k, float i
                | _ -> Decode.unknown $"customRule.parameters.{k}" (string v) "a number")
        let create =
            match scriptRules.TryGetValue name with
            | true, f -> Some f
            | _ -> SnnRuleCatalogue.tryFind name |> Option.map catalogueCreate
        Custom { Name = name; Parameters = ps; Create = create }
    | "SpikeTiming" ->
        let w = Decode.fields kvs "stdpWindow"
        let f = Decode.float32 w
        SpikeTiming(StdpWindow(f "aPlus", f "aMinus", f "tauPlusMs", f "tauMinusMs", f "stepMs", f "threshold"))
    | b -> Decode.unknown "baseRule" b "Symmetric, Differential, SbpBase, SpikeTiming or Custom"

/// The rules by the name `--rule` and the key rule= give them: each base rule, with "+sbp" the reference spread.
let private rulesByName =
    [ "symmetric", Rule.Symmetric, NoSpread
      "differential", Rule.Differential, NoSpread
      "sbp-base", Rule.SbpBase, NoSpread
      "stdp-window", SpikeTiming core.Window, NoSpread
      "sbp", Rule.SbpBase, Spread reference
      "symmetric+sbp", Rule.Symmetric, Spread reference
      "differential+sbp", Rule.Differential, Spread reference
      "stdp-window+sbp", SpikeTiming core.Window, Spread reference
      for e in SnnRuleCatalogue.entries do
          e.Name, catalogueRule e.Name [], NoSpread
          e.Name + "+sbp", catalogueRule e.Name [], Spread reference ]

/// A catalogue rule's parameter `name` set to `x`; None when the rule is no catalogue rule.
let private withRuleParameter (name: string) (x: float) (c: SnnConfig) =
    match c.Rule with
    | Custom r when (SnnRuleCatalogue.tryFind r.Name).IsSome ->
        let ps = if r.Parameters |> List.exists (fst >> (=) name) then r.Parameters |> List.map (fun (k, old) -> k, (if k = name then x else old)) else r.Parameters @ [ name, x ]
        Some { c with Rule = Custom { r with Parameters = ps } }
    | _ -> None

let private orError (message: string) (o: 'a option) = match o with Some x -> Ok x | None -> Error message

/// The rule: "baseRule" in records (its window or custom parameters follow later: `stdpWindow`, `customRule`), the
/// keys rule= and rule.NAME, the options --rule and --rule-parameter.
let private rule =
    Schema.entries "baseRule" (fun c -> [ "baseRule", Text(baseRuleText c.Rule) ]) (fun kvs c -> { c with Rule = ruleOfRecord kvs })
    |> Schema.withKey (Keys.choice "rule" [ for name, r, s in rulesByName -> name, (fun c -> { c with Rule = r; Spread = s }) ])
    |> fun p ->
        // a catalogue rule's parameters: rule.NAME sets NAME of the configuration's rule, if it has one
        SnnRuleCatalogue.entries
        |> List.collect (fun e -> e.Parameters |> List.map (fun p -> p.Name))
        |> List.distinct
        |> List.fold
            (fun p name ->
                Schema.withKey
                    { Key.Name = "rule." + name
                      Values = "numbers"
                      Set = fun v c ->
                          match Keys.float32 v with
                          | Error e -> Error e
                          | Ok x ->
                              match c.Rule with
                              | Custom r when r.Parameters |> List.exists (fst >> (=) name) ->
                                  withRuleParameter name (float x) c |> orError $"rule.{name} applies only to a catalogue rule with a parameter {name} (set rule= first)"
                              | _ -> Error $"rule.{name} applies only to a catalogue rule with a parameter {name} (set rule= first)" }
                    p)
            p
    |> Schema.withOption
        "Rule"
        (let catalogue = System.String.Join("", SnnRuleCatalogue.entries |> List.map (fun e -> $"; {e.Name}: {e.Help}"))
         $"symmetric (default; the baseline), differential, sbp-base, stdp-window, or sbp = sbp-base with the reference SBP spread{catalogue}.")
        (fun vs c ->
            let text = (unbox<string> vs.Head).Trim().ToLowerInvariant()
            match rulesByName |> List.tryFind (fun (n, _, _) -> n = text && not (n.EndsWith "+sbp")) with
            | Some(_, r, s) -> Ok { c with Rule = r; Spread = s }
            | None ->
                let known = System.String.Join(", ", caseNames @ [ for e in SnnRuleCatalogue.entries -> e.Name ])
                Error $"--rule: no rule '{text}'; expected one of {known}")
    |> Schema.withOption
        "Rule_Parameter"
        (let ps = SnnRuleCatalogue.entries |> List.collect (fun e -> [ for p in e.Parameters -> $"{e.Name}: {p.Name} = {p.Help}, default {p.Default}, in [{fst p.Range}, {snd p.Range}]" ])
         "a parameter of a catalogue rule (" + System.String.Join("; ", ps) + ").")
        (fun vs c ->
            match vs with
            | [ name; value ] ->
                withRuleParameter (unbox<string> name) (unbox<float> value) c
                |> orError $"--rule-parameter sets a parameter of a catalogue rule; the rule {ruleName c} has none"
            | _ -> Error "--rule-parameter takes a name and a value")

/// The LIF parameters as an F# record, so that one field can be set (the core's record has no F# copy-and-update).
type private LifFields =
    { VExcitatory: float32; VLeak: float32; VThreshold: float32; VReset: float32; TauMemMs: float32; TauSynMs: float32
      GLeak: float32; DtMs: float32; VInhibitory: float32 }

let private lifFields (l: LifParameters) =
    { VExcitatory = l.ExcitatoryReversal; VLeak = l.LeakReversal; VThreshold = l.Threshold; VReset = l.Reset
      TauMemMs = l.TauMemMs; TauSynMs = l.TauSynMs; GLeak = l.LeakConductance; DtMs = l.DtMs; VInhibitory = l.InhibitoryReversal }

let private ofLifFields (f: LifFields) =
    LifParameters(f.VExcitatory, f.VLeak, f.VThreshold, f.VReset, f.TauMemMs, f.TauSynMs, f.GLeak, f.DtMs, f.VInhibitory)

/// One LIF parameter: its record field, how it is read and set.
let private lif (name: string) (get: LifFields -> float32) (set: float32 -> LifFields -> LifFields) =
    Schema.number name (fun c -> get (lifFields c.Lif)) (fun x c -> { c with Lif = ofLifFields (set x (lifFields c.Lif)) })

let private num (x: float32) = Num(float x)

/// The schema: every parameter once, in the order of the description (the order is part of the canonical form the
/// ids hash: it stays as first written).
let parameters: Param<SnnConfig> list =
    [ rule
      Schema.Run.dataset common
      yield! Schema.Run.training common "mini-batch size (default: the task's reference, NETtalk 1, every other task 50)."
      Schema.rates "learningRates" (fun c -> c.LearningRates) (fun r c -> { c with LearningRates = r })
          "learning rates per weight layer (default: 0.1 0.05 for one hidden layer; 0.4 then 0.1 for every other weight layer with more)."
      Schema.number "beta" (fun c -> c.Beta) (fun x c -> { c with Beta = x })
      |> Schema.keyNumber "beta" |> Schema.optionNumber "Beta" "nudging strength β (default 0.5)."
      |> Schema.words "nudging strength β" "nudging strength β" |> Schema.param
      Schema.number "epsilon" (fun c -> c.Epsilon) (fun x c -> { c with Epsilon = x })
      |> Schema.keyNumber "epsilon" |> Schema.optionNumber "Epsilon" "relaxation step ε (default 0.5)."
      |> Schema.param
      yield! Schema.phases
          (fun c -> c.FreeIterations) (fun n c -> { c with FreeIterations = n }) "free-phase iterations (default 20)."
          (fun c -> c.NudgeIterations) (fun n c -> { c with NudgeIterations = n }) "nudged-phase iterations (default 5)."
      Schema.number "timeWindowMs" (fun c -> c.TimeWindowMs) (fun x c -> { c with TimeWindowMs = x })
      |> Schema.optionNumber "Time_Window" "feedforward phase length T in ms (default 10)."
      |> Schema.words "time window (ms)" "time window (ms)" |> Schema.param
      lif "dtMs" (fun l -> l.DtMs) (fun x l -> { l with DtMs = x }) |> Schema.optionNumber "Dt" "LIF time step in ms (default 0.1)." |> Schema.param
      lif "vExcitatory" (fun l -> l.VExcitatory) (fun x l -> { l with VExcitatory = x }) |> Schema.param
      lif "vLeak" (fun l -> l.VLeak) (fun x l -> { l with VLeak = x }) |> Schema.param
      lif "vThreshold" (fun l -> l.VThreshold) (fun x l -> { l with VThreshold = x }) |> Schema.param
      lif "vReset" (fun l -> l.VReset) (fun x l -> { l with VReset = x }) |> Schema.optionNumber "V_Reset" "reset potential (default -0.5; the authors' desktop script: -0.1)." |> Schema.param
      lif "tauMemMs" (fun l -> l.TauMemMs) (fun x l -> { l with TauMemMs = x }) |> Schema.optionNumber "Tau_Mem" "membrane time constant in ms (default 10)." |> Schema.param
      lif "tauSynMs" (fun l -> l.TauSynMs) (fun x l -> { l with TauSynMs = x }) |> Schema.optionNumber "Tau_Syn" "synaptic time constant in ms (default 2)." |> Schema.param
      lif "gLeak" (fun l -> l.GLeak) (fun x l -> { l with GLeak = x }) |> Schema.param
      Schema.flag "resetStatePerBatch" (fun c -> c.ResetStatePerBatch) (fun b c -> { c with ResetStatePerBatch = b })
      |> Schema.optionFlag "Reset_State" "clean form: reset V, g and the stored state every batch (the reference keeps them)." |> Schema.param
      Schema.number "inhibitoryFraction" (fun c -> c.InhibitoryFraction) (fun x c -> { c with InhibitoryFraction = x })
      |> Schema.keyNumber "inhibitory-fraction" |> Schema.optionNumber "Inhibitory_Fraction" "Dale's law: fraction of inhibitory neurons per hidden layer."
      |> Schema.param
      lif "vInhibitory" (fun l -> l.VInhibitory) (fun x l -> { l with VInhibitory = x }) |> Schema.param
      Schema.flag "shortTermPlasticity" (fun c -> c.ShortTermPlasticity) (fun b c -> { c with ShortTermPlasticity = b })
      |> Schema.optionFlag "Stp" "Tsodyks–Markram short-term plasticity of the input current." |> Schema.param
      // left out of the id while exact (Introduced), so that the ids of every run before the option stay as they were
      Schema.entries "sigma" (fun c -> [ "sigma", Text(if c.Sigma = TanhForm.Fast then "fast" else "exact") ]) (fun kvs c ->
          if not (Decode.has kvs "sigma") then { c with Sigma = TanhForm.Exact }
          else
              match Decode.text kvs "sigma" with
              | "fast" -> { c with Sigma = TanhForm.Fast }
              | "exact" -> { c with Sigma = TanhForm.Exact }
              | t -> Decode.unknown "sigma" t "exact or fast")
      |> Schema.withKey (Keys.choice "sigma" [ "exact", (fun c -> { c with Sigma = TanhForm.Exact }); "fast", (fun c -> { c with Sigma = TanhForm.Fast }) ])
      |> Schema.withOption "Sigma"
          "σ = tanh(·/2): exact (default; the bits of every record so far) or fast (single precision, within 2⁻²² of exact, faster; a different configuration)."
          (fun vs c -> match vs with [ f ] -> Ok { c with Sigma = unbox<TanhForm> f } | _ -> Error "--sigma takes exact or fast")
      |> Schema.withWords "sigma" "σ form" "sigma"
      Schema.Run.checkInvariants common
      Schema.bounds (fun c -> c.WeightBounds) (fun b c -> { c with WeightBounds = b })
      Schema.field "sbp" (fun c -> match c.Spread with NoSpread -> Text "none" | Spread s -> value s) (fun kvs k c ->
          { c with Spread = (match Decode.get kvs k with Text "none" -> NoSpread | v -> Spread(ofValue v)) })
      |> Schema.spread [ "Depth"; "Fraction"; "Lambda"; "Sbp_Mode"; "Top_Fraction" ] "rules with SBP"
          (fun c -> match c.Spread with Spread s -> Some s | NoSpread -> None) (fun s c -> { c with Spread = Spread s }) ruleName
          "applies only to a rule with the SBP spread (set rule=sbp, or a base rule with +sbp)" "sbp"
      // read back with the rule
      Schema.entries "stdpWindow" (fun c ->
          match c.Rule with
          | SpikeTiming w ->
              [ "stdpWindow",
                Fields [ "aPlus", num w.APlus; "aMinus", num w.AMinus; "tauPlusMs", num w.TauPlusMs
                         "tauMinusMs", num w.TauMinusMs; "stepMs", num w.StepMs; "threshold", num w.Threshold ] ]
          | _ -> []) (fun _ c -> c)
      |> Schema.withKey
          { Key.Name = "stdp.window"
            Values = "τ₊:τ₋ in ms, e.g. 5:5"
            Set = fun v c ->
                match c.Rule with
                | SpikeTiming w ->
                    Keys.pair v |> Result.map (fun (tp, tm) -> { c with Rule = SpikeTiming(StdpWindow(w.APlus, w.AMinus, tp, tm, w.StepMs, w.Threshold)) })
                | _ -> Error "stdp.window applies only to the stdp-window rule (set rule=stdp-window first)" }
      |> Schema.withOption "Stdp_Window" "stdp-window rule: τ₊ and τ₋ in ms (default 20 20)." (fun vs c ->
          match c.Rule, vs with
          | SpikeTiming w, [ tp; tm ] -> Ok { c with Rule = SpikeTiming(StdpWindow(w.APlus, w.AMinus, float32 (unbox<float> tp), float32 (unbox<float> tm), w.StepMs, w.Threshold)) }
          | _ -> Error $"--stdp-window sets the STDP window, which only the stdp-window rule has (got --rule {ruleName c})")
      |> Schema.withOption "Stdp_Amplitudes" "stdp-window rule: A₊ and A₋ (default 1 1)." (fun vs c ->
          match c.Rule, vs with
          | SpikeTiming w, [ ap; am ] -> Ok { c with Rule = SpikeTiming(StdpWindow(float32 (unbox<float> ap), float32 (unbox<float> am), w.TauPlusMs, w.TauMinusMs, w.StepMs, w.Threshold)) }
          | _ -> Error $"--stdp-amplitudes sets the STDP window, which only the stdp-window rule has (got --rule {ruleName c})")
      Schema.entries "customRule" (fun c ->
          match c.Rule with
          | Custom r -> [ "customRule", Fields [ "name", Text r.Name; "parameters", Fields [ for k, v in r.Parameters -> k, Num v ] ] ]
          | _ -> []) (fun _ c -> c)
      yield! Schema.Run.closing common ]

/// The spiking network's memory for its data: weights, and about 12 numbers per neuron and sample of a batch (V, g,
/// h, the free and nudged states, spikes, traces).
let fits (r: Resolved<SnnConfig>) (split: DataSplit) =
    let c = r.Config
    Limits.networkProblems ([ split.Train.FeatureCount ] @ c.Run.Hidden @ [ split.Train.TargetCount ]) (RunSettings.batchSize c.Run) 12L 0L

/// The family, registered once.
let family: Family<SnnConfig> =
    { Name = "snn"
      DisplayName = "spiking STDP network"
      PaperCap = (fun task -> match task with Dvs -> Some 0.2 | Mnist | Mnist10k | Fashion | Nettalk -> None)
      Summary = "the spiking STDP network (LIF neurons, contrastive STDP; the paper's SNN)"
      Defaults = defaults
      Resolve = resolve
      Validate = validate
      Parameters = parameters
      Introduced = [ "sigma", Text "exact" ]
      Treatment = [ "rule"; "baseRule"; "sbp"; "stdpWindow"; "customRule" ]
      RuleName = ruleName
      Baseline = baseline
      Common = common
      DvsEncoding = DvsEncoding.FramePerSample
      Build = build
      Fits = fits }

/// An experiment of a spiking STDP network configuration.
let experiment (c: SnnConfig) = create family c

/// `sbp train snn` options: the cases only (their help and effect are the schema's, `parameters`). An option that
/// does not apply to the chosen rule is refused with the reason.
type Args =
    | Rule of rule: string
    | Rule_Parameter of name: string * value: float
    | Batch_Size of n: int
    | Alpha of rates: float list
    | Beta of beta: float
    | Epsilon of eps: float
    | Free_Iterations of n: int
    | Nudge_Iterations of n: int
    | Dt of ms: float
    | Time_Window of ms: float
    | Tau_Mem of ms: float
    | Tau_Syn of ms: float
    | V_Reset of v: float
    // the spread's options carry the prefix of its sweep keys (--sbp-depth sets sbp.depth); the short names stay
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-depth"; Argu.ArguAttributes.AltCommandLine "--depth">] Depth of k: int
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-fraction"; Argu.ArguAttributes.AltCommandLine "--fraction">] Fraction of f: float
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-lambda"; Argu.ArguAttributes.AltCommandLine "--lambda">] Lambda of pre: float * post: float * bp: float
    | Sbp_Mode of SbpMode
    | [<Argu.ArguAttributes.CustomCommandLine "--sbp-top-fraction"; Argu.ArguAttributes.AltCommandLine "--top-fraction">] Top_Fraction of r: float
    | Stdp_Window of tau_plus_ms: float * tau_minus_ms: float
    | Stdp_Amplitudes of a_plus: float * a_minus: float
    | Reset_State
    | Weight_Bounds of min: float * max: float
    | Inhibitory_Fraction of f: float
    | Stp
    | Sigma of TanhForm
    interface Argu.IArgParserTemplate with
        member a.Usage = (optionOf parameters a).Help

/// The family with its command line.
let registered = register family
