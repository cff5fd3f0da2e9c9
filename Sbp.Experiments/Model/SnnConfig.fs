/// The spiking STDP network (docs/SBP-SPEC.md §4) as a model family: its typed configuration (a rule that carries its own
/// parameters, an SBP spread that exists only where SBP is on), the reference defaults (read from the core's
/// parameter record, not copied), the per-task settings, and its registration.
module Sbp.Experiments.SnnConfig

open Sbp.Core.Data
open Sbp.Core.Models
open Sbp.Core.Neurons
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
      ShortTermPlasticity: bool }

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
      ShortTermPlasticity = false }

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

let private num (x: float32) = Num(float x)

/// Every parameter of a resolved configuration but the seed, in a fixed order (after "model" and "rule": Experiment.describe).
let describe (r: Resolved<SnnConfig>) =
    let c = r.Config
    [ "baseRule", Text(baseRuleText c.Rule)
      RunSettings.datasetEntry c.Run
      yield! RunSettings.trainingEntries c.Run
      "learningRates", Items [ for a in c.LearningRates.Value -> num a ]
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
      RunSettings.checkEntry c.Run
      match c.WeightBounds with
      | Some(lo, hi) -> "weightBounds", Items [ num lo; num hi ]
      | None -> "weightBounds", Text "none"
      match c.Spread with
      | NoSpread -> "sbp", Text "none"
      | Spread s -> "sbp", value s
      match c.Rule with
      | SpikeTiming w ->
          "stdpWindow",
          Fields [ "aPlus", num w.APlus; "aMinus", num w.AMinus; "tauPlusMs", num w.TauPlusMs
                   "tauMinusMs", num w.TauMinusMs; "stepMs", num w.StepMs; "threshold", num w.Threshold ]
      | Custom r -> "customRule", Fields [ "name", Text r.Name; "parameters", Fields [ for k, v in r.Parameters -> k, Num v ] ]
      | Symmetric | Differential | SbpBase -> ()
      yield! RunSettings.sizeEntries c.Run
      yield! RunSettings.protocolEntries c.Run ]

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
          yield! Limits.steps c.TimeWindowMs c.Lif.DtMs
          yield! Limits.inRange "free-phase iterations" 1 Limits.maxIterations c.FreeIterations
          yield! Limits.inRange "nudged-phase iterations" 1 Limits.maxIterations c.NudgeIterations
          match c.Spread with
          | Spread s -> yield! Limits.inRange "the SBP depth" 0 Limits.maxDepth s.Depth
          | NoSpread -> () ]
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

/// The keys a command-line sweep varies.
let keys: Key<SnnConfig> list =
    [ yield! Keys.common common
      Keys.choice "rule" [ "symmetric", (fun c -> { c with Rule = Rule.Symmetric; Spread = NoSpread })
                           "differential", (fun c -> { c with Rule = Rule.Differential; Spread = NoSpread })
                           "sbp-base", (fun c -> { c with Rule = Rule.SbpBase; Spread = NoSpread })
                           "stdp-window", (fun c -> { c with Rule = SpikeTiming core.Window; Spread = NoSpread })
                           "sbp", (fun c -> { c with Rule = Rule.SbpBase; Spread = Spread reference })
                           "symmetric+sbp", (fun c -> { c with Rule = Rule.Symmetric; Spread = Spread reference })
                           "differential+sbp", (fun c -> { c with Rule = Rule.Differential; Spread = Spread reference })
                           "stdp-window+sbp", (fun c -> { c with Rule = SpikeTiming core.Window; Spread = Spread reference })
                           for e in SnnRuleCatalogue.entries do
                               e.Name, (fun c -> { c with Rule = catalogueRule e.Name []; Spread = NoSpread })
                               e.Name + "+sbp", (fun c -> { c with Rule = catalogueRule e.Name []; Spread = Spread reference }) ]
      // a catalogue rule's parameters: rule.NAME sets NAME of the configuration's rule, if it has one
      for name in SnnRuleCatalogue.entries |> List.collect (fun e -> e.Parameters |> List.map (fun p -> p.Name)) |> List.distinct do
          { Key.Name = "rule." + name
            Values = "numbers"
            Set = fun v c ->
                match c.Rule, Keys.float32 v with
                | _, Error e -> Error e
                | Custom r, Ok x when r.Parameters |> List.exists (fst >> (=) name) && (SnnRuleCatalogue.tryFind r.Name).IsSome ->
                    Ok { c with Rule = Custom { r with Parameters = r.Parameters |> List.map (fun (k, old) -> k, (if k = name then float x else old)) } }
                | _ -> Error $"rule.{name} applies only to a catalogue rule with a parameter {name} (set rule= first)" }
      yield! Keys.spread (fun c -> match c.Spread with Spread s -> Some s | NoSpread -> None) (fun s c -> { c with Spread = Spread s })
                         "applies only to a rule with the SBP spread (set rule=sbp, or a base rule with +sbp)"
      { Key.Name = "stdp.window"
        Values = "τ₊:τ₋ in ms, e.g. 5:5"
        Set = fun v c ->
            match c.Rule with
            | SpikeTiming w ->
                Keys.pair v |> Result.map (fun (tp, tm) -> { c with Rule = SpikeTiming(StdpWindow(w.APlus, w.AMinus, tp, tm, w.StepMs, w.Threshold)) })
            | _ -> Error "stdp.window applies only to the stdp-window rule (set rule=stdp-window first)" }
      Keys.number "beta" (fun x c -> { c with Beta = x })
      Keys.number "epsilon" (fun x c -> { c with Epsilon = x })
      Keys.integer "free-iterations" (fun n c -> { c with FreeIterations = n })
      Keys.integer "nudge-iterations" (fun n c -> { c with NudgeIterations = n })
      Keys.number "inhibitory-fraction" (fun x c -> { c with InhibitoryFraction = x }) ]

/// The comparison's baseline: every other rule (SBP with any spread, a base rule with the spread, another base rule)
/// against symmetric STDP without spread, everything else equal.
let baseline (c: SnnConfig) =
    match c.Rule, c.Spread with
    | Symmetric, NoSpread -> None
    | _ -> Some { c with Rule = Symmetric; Spread = NoSpread }

/// The resolved configuration a run record describes (the inverse of `describe`).
let ofRecord (kvs: Decode.Fields) =
    let n = Decode.float32 kvs
    let rule =
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
    { defaults with
        Rule = rule
        Spread = (match Decode.get kvs "sbp" with Text "none" -> NoSpread | v -> Spread(ofValue v))
        LearningRates = Some(Decode.float32s kvs "learningRates")
        Beta = n "beta"
        Epsilon = n "epsilon"
        FreeIterations = Decode.int kvs "freeIterations"
        NudgeIterations = Decode.int kvs "nudgeIterations"
        TimeWindowMs = n "timeWindowMs"
        Lif = LifParameters(n "vExcitatory", n "vLeak", n "vThreshold", n "vReset", n "tauMemMs", n "tauSynMs", n "gLeak", n "dtMs", n "vInhibitory")
        ResetStatePerBatch = Decode.flag kvs "resetStatePerBatch"
        WeightBounds = Decode.bounds kvs "weightBounds"
        InhibitoryFraction = n "inhibitoryFraction"
        ShortTermPlasticity = Decode.flag kvs "shortTermPlasticity" }
    |> common.Update(RunSettings.ofRecord kvs)


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
      Describe = describe
      Introduced = []
      Treatment = [ "rule"; "baseRule"; "sbp"; "stdpWindow"; "customRule" ]
      RuleName = ruleName
      Baseline = baseline
      OfRecord = ofRecord
      Common = common
      DvsEncoding = DvsEncoding.FramePerSample
      Build = build
      Fits = fits
      Keys = keys }

/// An experiment of a spiking STDP network configuration.
let experiment (c: SnnConfig) = create family c

/// `sbp train snn` options. An option that does not apply to the chosen rule is refused with the reason.
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
    interface Argu.IArgParserTemplate with
        member a.Usage =
            match a with
            | Rule _ ->
                let catalogue = System.String.Join("", SnnRuleCatalogue.entries |> List.map (fun e -> $"; {e.Name}: {e.Help}"))
                $"symmetric (default; the baseline), differential, sbp-base, stdp-window, or sbp = sbp-base with the reference SBP spread{catalogue}."
            | Rule_Parameter _ ->
                let ps = SnnRuleCatalogue.entries |> List.collect (fun e -> [ for p in e.Parameters -> $"{e.Name}: {p.Name} = {p.Help}, default {p.Default}, in [{fst p.Range}, {snd p.Range}]" ])
                "a parameter of a catalogue rule (" + System.String.Join("; ", ps) + ")."
            | Batch_Size _ -> "mini-batch size (default: the task's reference, NETtalk 1, every other task 50)."
            | Alpha _ -> "learning rates per weight layer (default: 0.1 0.05 for one hidden layer; 0.4 then 0.1 for every other weight layer with more)."
            | Beta _ -> "nudging strength β (default 0.5)."
            | Epsilon _ -> "relaxation step ε (default 0.5)."
            | Free_Iterations _ -> "free-phase iterations (default 20)."
            | Nudge_Iterations _ -> "nudged-phase iterations (default 5)."
            | Dt _ -> "LIF time step in ms (default 0.1)."
            | Time_Window _ -> "feedforward phase length T in ms (default 10)."
            | Tau_Mem _ -> "membrane time constant in ms (default 10)."
            | Tau_Syn _ -> "synaptic time constant in ms (default 2)."
            | V_Reset _ -> "reset potential (default -0.5; the authors' desktop script: -0.1)."
            | Depth _ -> "rules with SBP: propagation depth (0 = lateral only, 1 = the paper, k = k layers upstream)."
            | Fraction _ -> "rules with SBP: fraction f (default 0.2)."
            | Lambda _ -> "rules with SBP: strengths λ_pre λ_post λ_bp (default 1 0.5 1)."
            | Sbp_Mode _ -> "rules with SBP: modulate (default) or replace."
            | Top_Fraction _ -> "rules with SBP: only the ceil(r·n) most-modified neurons propagate (default: the reference range, every neuron)."
            | Stdp_Window _ -> "stdp-window rule: τ₊ and τ₋ in ms (default 20 20)."
            | Stdp_Amplitudes _ -> "stdp-window rule: A₊ and A₋ (default 1 1)."
            | Reset_State -> "clean form: reset V, g and the stored state every batch (the reference keeps them)."
            | Weight_Bounds _ -> "clip weights to [min, max] after every update."
            | Inhibitory_Fraction _ -> "Dale's law: fraction of inhibitory neurons per hidden layer."
            | Stp -> "Tsodyks–Markram short-term plasticity of the input current."

/// The configuration a `sbp train snn` command line asks for; an option the rule does not have is refused.
let ofArgs (a: Argu.ParseResults<Args>) =
    let ruleText = a.GetResult(Rule, "symmetric").Trim().ToLowerInvariant()
    let catalogue = SnnRuleCatalogue.tryFind ruleText
    if not (List.contains ruleText caseNames) && catalogue.IsNone then
        let known = System.String.Join(", ", caseNames @ [ for e in SnnRuleCatalogue.entries -> e.Name ])
        invalidArg "rule" $"--rule: no rule '{ruleText}'; expected one of {known}"
    let parameters = a.GetResults Rule_Parameter
    if not parameters.IsEmpty && catalogue.IsNone then
        invalidArg "rule" $"--rule-parameter sets a parameter of a catalogue rule; the rule {ruleText} has none"
    let hasSpread = ruleText = "sbp"
    let sbpOptions = [ "--sbp-depth", a.Contains Depth; "--sbp-fraction", a.Contains Fraction; "--sbp-lambda", a.Contains Lambda; "--sbp-mode", a.Contains Sbp_Mode; "--sbp-top-fraction", a.Contains Top_Fraction ]
    let windowOptions = [ "--stdp-window", a.Contains Stdp_Window; "--stdp-amplitudes", a.Contains Stdp_Amplitudes ]
    for name, given in sbpOptions do
        if given && not hasSpread then invalidArg "rule" $"{name} sets the SBP spread, which the rule {ruleText} does not have (use --rule sbp)"
    for name, given in windowOptions do
        if given && ruleText <> "stdp-window" then invalidArg "rule" $"{name} sets the STDP window, which only the stdp-window rule has (got --rule {ruleText})"
    let d = defaults
    let spread =
        reference
        |> withOptions
            { SpreadOptions.Depth = a.TryGetResult Depth
              Fraction = a.TryGetResult Fraction
              Lambda = a.TryGetResult Lambda
              Mode = a.TryGetResult Sbp_Mode
              TopFraction = a.TryGetResult Top_Fraction }
    let window =
        let w = core.Window
        let tp, tm = a.GetResult(Stdp_Window, (float w.TauPlusMs, float w.TauMinusMs))
        let ap, am = a.GetResult(Stdp_Amplitudes, (float w.APlus, float w.AMinus))
        StdpWindow(float32 ap, float32 am, float32 tp, float32 tm, w.StepMs, w.Threshold)
    let lif0 = d.Lif
    { d with
        Run = { d.Run with BatchSize = a.TryGetResult Batch_Size }
        Rule =
            (match ruleText with
             | "symmetric" -> Rule.Symmetric
             | "differential" -> Rule.Differential
             | "sbp-base" | "sbp" -> Rule.SbpBase
             | "stdp-window" -> SpikeTiming window
             | name -> catalogueRule name parameters)
        Spread = if hasSpread then Spread spread else NoSpread
        LearningRates = a.TryGetResult Alpha |> Option.map (List.map float32)
        Beta = float32 (a.GetResult(Beta, float d.Beta))
        Epsilon = float32 (a.GetResult(Epsilon, float d.Epsilon))
        FreeIterations = a.GetResult(Free_Iterations, d.FreeIterations)
        NudgeIterations = a.GetResult(Nudge_Iterations, d.NudgeIterations)
        TimeWindowMs = float32 (a.GetResult(Time_Window, float d.TimeWindowMs))
        Lif =
            LifParameters(
                lif0.ExcitatoryReversal, lif0.LeakReversal, lif0.Threshold,
                float32 (a.GetResult(V_Reset, float lif0.Reset)),
                float32 (a.GetResult(Tau_Mem, float lif0.TauMemMs)),
                float32 (a.GetResult(Tau_Syn, float lif0.TauSynMs)),
                lif0.LeakConductance,
                float32 (a.GetResult(Dt, float lif0.DtMs)),
                lif0.InhibitoryReversal)
        ResetStatePerBatch = a.Contains Reset_State
        WeightBounds = a.TryGetResult Weight_Bounds |> Option.map (fun (lo, hi) -> float32 lo, float32 hi)
        InhibitoryFraction = float32 (a.GetResult(Inhibitory_Fraction, float d.InhibitoryFraction))
        ShortTermPlasticity = a.Contains Stp }

/// The family with its command line.
let registered = register family (fun o -> ofArgs (o :?> Argu.ParseResults<Args>))
