/// The typed experiment model: a model family is registered once as a record of functions (`Family`); an experiment
/// is one configuration of a family, with a stable id hashed from a canonical, versioned form of that configuration
/// and a seed that pairs the replicates of a comparison.
module Sbp.Experiments.Experiment

open System
open System.Security.Cryptography
open System.Text
open Sbp.Core.Data
open Sbp.Experiments.DataSets
open Sbp.Experiments.RunRecord

/// A key a sweep can vary (`sbp sweep <family> --vary key=v1,v2`): its name, what its values look like, and how a
/// value sets it. The same functions an fsi script would call, so a command-line sweep builds the same grid.
type Key<'c> =
    { Name: string
      Values: string
      Set: string -> 'c -> Result<'c, string> }

/// A `sbp train <family>` option of a parameter. The family's Argu template declares its cases (name and value types:
/// what Argu parses); each case's help and effect are here, found by the case's name, so that a parameter's option is
/// written beside its record field and sweep key.
type Opt<'c> =
    { /// The Argu case's name ("Free_Iterations" for --free-iterations).
      Case: string
      Help: string
      /// How one occurrence's values (the case's fields) set the configuration; an error says why the option does not
      /// apply (for example to the rule chosen).
      Apply: obj list -> 'c -> Result<'c, string> }

/// One parameter of a family's configuration, written once: its entries in the run record (and so in the id and the
/// tables' columns), how a record's entries read back, the sweep keys and command-line options that set it, and the
/// words figures use for it. A family's parameters, in order, are its whole schema: the description is their entries
/// in that order, a record reads back through all of them, and the options of `sbp train` apply in that order
/// (Schema.fs builds them).
type Param<'c> =
    { /// The parameter's name: its record field, or for a parameter with several (a rule and what it carries) a name
      /// for them all.
      Field: string
      /// Its entries in the description of a resolved configuration: usually one; none where the configuration has no
      /// such parameter (the STDP window under another rule).
      Write: 'c -> (string * Value) list
      /// The configuration with this parameter read from a run record's `config` (the inverse of `Write`; a field
      /// read with another parameter's, such as a rule's window with the rule, or derived, reads nothing); fails with a
      /// `Decode.DecodeError` naming the field.
      Read: Decode.Fields -> 'c -> 'c
      /// The sweep keys that vary it.
      Keys: Key<'c> list
      /// The `sbp train` options that set it.
      Options: Opt<'c> list
      /// Words for figures and live displays: record field (dotted), axis name, short name.
      Words: (string * string * string) list
      /// Every reason its value in a resolved configuration cannot run (its range), empty when it can.
      Check: 'c -> string list }

/// Where a family's configuration holds the settings every family has (its field `Run`): get and set of that one
/// field. Everything shared (the command-line options, the sweep keys, the record's read-back, the checks, the
/// accessors below) works through it, once for every family.
type Common<'c> =
    { Get: 'c -> RunSettings
      Set: RunSettings -> 'c -> 'c }

    /// The configuration with its settings changed by `f`.
    member l.Update (f: RunSettings -> RunSettings) (c: 'c) = l.Set (f (l.Get c)) c

/// A configuration with what it leaves to its task filled in (batch size, learning rates, test set, …): made only by
/// a family's `Resolve`. A family describes, checks, sizes and builds a `Resolved`, never the configuration as
/// written, so a configuration is resolved once per experiment and nothing downstream can skip it.
type Resolved<'c> =
    internal
    | Resolved of 'c

    /// The resolved configuration.
    member r.Config = match r with Resolved c -> c

/// A model family, registered once: everything the experiment layer (grids, runner, CLI, bench) needs of it.
type Family<'c> =
    { /// The family's name on the command line and in run records ("snn", "eqprop", "smlp").
      Name: string
      /// The family's name in tables, figures and the report ("spiking STDP network").
      DisplayName: string
      /// The cap the authors' figure notebooks put on the cost metric's upper error level for this family on a task
      /// (docs/SBP-SPEC.md §8), None where they put none.
      PaperCap: DataSetName -> float option
      /// One line for help texts.
      Summary: string
      /// The reference configuration (on MNIST; per-task settings are left open and filled by `Resolve`).
      Defaults: 'c
      /// Fills what the configuration leaves to its task (batch size, β, learning rate, ...) with the reference's
      /// per-task settings; a value set explicitly is kept.
      Resolve: 'c -> Resolved<'c>
      /// Every reason a resolved configuration cannot run, empty when it can.
      Validate: Resolved<'c> -> string list
      /// The family's schema: every parameter once, in the order of its description (after the "model" and "rule"
      /// entries every description starts with: `describe`), which is the run record's `config`, the tables' columns
      /// and, in canonical form, the id; the same list gives the record's read-back, the sweep keys and the options.
      Parameters: Param<'c> list
      /// Parameters introduced after the schema version with the value each had when it was introduced (dotted
      /// paths): left out of the canonical form while they hold that value, so that older ids keep their meaning.
      Introduced: (string * Value) list
      /// The keys a comparison of learning rules varies (the rule and its parameters): replicate r of every rule
      /// gets one seed, derived from the other keys.
      Treatment: string list
      RuleName: 'c -> string
      /// The configuration a run of this one is compared against (the same configuration under the family's
      /// baseline rule; run records pair it by replicate), None for a baseline itself.
      Baseline: 'c -> 'c option
      /// Where the configuration holds the settings every family has.
      Common: Common<'c>
      /// How the family reads DVS gestures (the spiking STDP network one 32 × 32 frame per sample, as the reference;
      /// the others all frames of a gesture).
      DvsEncoding: DvsEncoding
      /// The network of a resolved configuration for the given data, ready to train.
      Build: Resolved<'c> -> DataSplit -> Training.Built
      /// Every reason a resolved configuration does not fit its data (the network's memory for the data's input and
      /// output sizes), empty when it does; checked after the data is loaded, before anything is allocated for it.
      Fits: Resolved<'c> -> DataSplit -> string list }

    /// Every entry of a resolved configuration's description but "model" and "rule", in the schema's order.
    member f.Describe(r: Resolved<'c>) = f.Parameters |> List.collect (fun p -> p.Write r.Config)

    /// The resolved configuration a run record's `config` describes (the inverse of `Describe`, seed aside: the
    /// defaults' seed is kept); fails with a `Decode.DecodeError` naming the field.
    member f.OfRecord(kvs: Decode.Fields) = f.Parameters |> List.fold (fun c p -> p.Read kvs c) f.Defaults

    /// The keys a command-line sweep can vary.
    member f.Keys = f.Parameters |> List.collect (fun p -> p.Keys)

/// A configuration of some family, as the grid, the runner and the CLI see it.
type IModel =
    abstract Family: string
    /// The configuration (of the family's own type).
    abstract Config: obj
    /// The configuration with its task's reference settings filled in.
    abstract Resolved: IModel
    abstract Describe: unit -> (string * Value) list
    abstract Introduced: (string * Value) list
    abstract Treatment: string list
    abstract Problems: unit -> string list
    abstract RuleName: string
    abstract Dataset: DataSetName
    abstract WithDataset: DataSetName -> IModel
    abstract Sizes: int option * int option
    /// Whether the resolved configuration tests on held-out training samples (the standard test split beside them).
    abstract HeldOutTest: bool
    /// What the data is (DataSets.Identity): "standard", or the content hash of files a user supplied.
    abstract Source: string
    abstract Seed: uint64
    abstract WithSeed: uint64 -> IModel
    /// The batch size of the resolved configuration.
    abstract BatchSize: int
    /// How the family reads DVS gestures.
    abstract DvsEncoding: DvsEncoding
    /// The network of the resolved configuration for the data, ready to train.
    abstract Build: DataSplit -> Training.Built
    /// Every reason the resolved configuration does not fit the data (batch, memory), empty when it does.
    abstract FitProblems: DataSplit -> string list
    /// Trains the resolved configuration on the data with the given number of threads (the caller's budget: results
    /// are the same for any) until done or cancelled (checked per batch); the record (without git commit) and the
    /// artifacts.
    abstract Train: DataSplit -> threads: int -> Threading.CancellationToken -> (Training.Report -> unit) -> Record * Artifacts.Artifacts * NetworkFile.Tensor list

/// The description of a resolved configuration of `family`: its family's name, its rule's, then its parameters.
let describe (family: Family<'c>) (c: Resolved<'c>) =
    ("model", Text family.Name) :: ("rule", Text(family.RuleName c.Config)) :: family.Describe c

/// A configuration of family `family`; it is resolved once, when first needed, and checked once.
type Model<'c>(family: Family<'c>, config: 'c) =
    let settings (c: 'c) = family.Common.Get c
    let resolved = lazy (family.Resolve config)
    let run = lazy (settings resolved.Value.Config)
    let problems =
        lazy
            (let described = family.Describe resolved.Value
             // the bounds first: the family's own checks may size things from the values they bound
             match RunSettings.problems run.Value @ Limits.settings run.Value @ Limits.nonFinite described with
             | [] ->
                 // then each parameter's range, then the family's own checks (which may size things from them)
                 match family.Parameters |> List.collect (fun p -> p.Check resolved.Value.Config) with
                 | [] -> family.Validate resolved.Value
                 | ps -> ps
             | ps -> ps)
    member _.Family = family
    member _.Config = config
    interface IModel with
        member _.Family = family.Name
        member _.Config = box config
        member _.Resolved = Model(family, resolved.Value.Config)
        member _.Describe() = describe family resolved.Value
        member _.Introduced = family.Introduced
        member _.Treatment = family.Treatment
        member _.Problems() = problems.Value
        member _.RuleName = family.RuleName config
        member _.Dataset = (settings config).Dataset
        member _.WithDataset d = Model(family, family.Common.Update (fun r -> { r with Dataset = d }) config)
        member _.Sizes = run.Value.TrainSize, run.Value.TestSize
        member _.HeldOutTest = RunSettings.testSet run.Value = HeldOutTraining
        member _.Source = (settings config).Source
        member _.Seed = (settings config).Seed
        member _.WithSeed s = Model(family, family.Common.Update (fun r -> { r with Seed = s }) config)
        member _.BatchSize = RunSettings.batchSize run.Value
        member _.DvsEncoding = family.DvsEncoding
        member _.Build split = family.Build resolved.Value split
        member _.FitProblems split =
            let b = RunSettings.batchSize run.Value
            [ if b > split.Train.Count then $"the batch size ({b}) exceeds the {split.Train.Count} training samples"
              yield! family.Fits resolved.Value split ]
        member _.Train split threads cancel report =
            let r = run.Value
            let built = family.Build resolved.Value split
            built.Execution.Threads <- threads
            let record, state = Training.run built (describe family resolved.Value) r.Dataset split r.Order r.Epochs (RunSettings.batchSize r) r.Seed cancel report
            record, built.Artifacts (), state

/// How an experiment's seed is chosen.
type SeedChoice =
    /// The seed written in the model config.
    | Given
    /// Replicate r: a seed derived from r and the parameters the grid does not compare.
    | Replicate of int

type Experiment =
    { Model: IModel
      Seed: SeedChoice
      /// Keys compared beside the family's rule keys (dotted paths, e.g. "sbp.depth"): replicate r has one seed for
      /// every value of these.
      Compared: string list }

/// An experiment of one configuration of a family, with the config's own seed.
let create (family: Family<'c>) (config: 'c) = { Model = Model(family, config); Seed = Given; Compared = [] }

/// Applies a change to the configuration of an experiment of `family`; experiments of other families pass unchanged.
let update (family: Family<'c>) (f: 'c -> 'c) (e: Experiment) =
    match e.Model with
    | :? Model<'c> as m when m.Family.Name = family.Name -> { e with Model = Model(family, f m.Config) }
    | _ -> e

/// The configuration of an experiment of `family`, if it is one.
let tryConfig (family: Family<'c>) (e: Experiment) =
    match e.Model with
    | :? Model<'c> as m when m.Family.Name = family.Name -> Some m.Config
    | _ -> None

/// Removes the dotted paths `keys` from a description ("sbp" removes the spread, "sbp.depth" only its depth).
let rec private without (keys: string list) (values: (string * Value) list) =
    [ for k, v in values do
          if not (List.contains k keys) then
              let inner = keys |> List.choose (fun p -> if p.StartsWith(k + ".") then Some(p.Substring(k.Length + 1)) else None)
              match v with
              | Fields kvs when not inner.IsEmpty -> yield k, Fields(without inner kvs)
              | _ -> yield k, v ]

/// A value in canonical text. Every number of a family's description is a single-precision parameter widened to a
/// double (0.1f is 0.10000000149011612); a run record stores it as its shortest decimal (0.1), and widening that
/// through float32 again gives the same double, so a description and a record read back print alike.
let rec private show (v: Value) =
    match v with
    | Int i -> string i
    | Num f -> (float (float32 f)).ToString("R", Globalization.CultureInfo.InvariantCulture)
    | Text s -> "\"" + s + "\""
    | Flag b -> if b then "true" else "false"
    | Items xs -> "[" + String.Join(",", xs |> List.map show) + "]"
    | Fields kvs -> "{" + String.Join(",", kvs |> List.map (fun (k, v) -> k + ":" + show v)) + "}"

/// Removes the introduced parameters that hold the value they were introduced with (compared as canonical text:
/// JSON does not keep 0 and 0.0 apart, and neither does the canonical form).
let rec private omitIntroduced (introduced: (string * Value) list) (values: (string * Value) list) =
    [ for k, v in values do
          if not (introduced |> List.exists (fun (p, d) -> p = k && show d = show v)) then
              let inner = introduced |> List.choose (fun (p, d) -> if p.StartsWith(k + ".") then Some(p.Substring(k.Length + 1), d) else None)
              match v with
              | Fields kvs when not inner.IsEmpty -> yield k, Fields(omitIntroduced inner kvs)
              | _ -> yield k, v ]

let private text (values: (string * Value) list) = String.Join(";", values |> List.map (fun (k, v) -> k + "=" + show v))

/// The canonical form of a description (key=value pairs, seed excluded) with the parameters `introduced` after the
/// schema version left out while they hold their value at introduction; see `canonical`.
let canonicalOf (introduced: (string * Value) list) (values: (string * Value) list) =
    $"schema={schemaVersion};" + text (omitIntroduced introduced values)

/// The canonical form of an experiment's configuration (what its id hashes):
///   "schema=<version>;" + key=value pairs of the resolved configuration in the family's fixed order, seed excluded,
///   with every parameter introduced after the schema version left out while it holds its value at introduction.
/// Adding a parameter therefore changes no id as long as its default reproduces the earlier behaviour (declare it in
/// the family's `Introduced`); renaming a key or a value, or changing what a default means, needs a new schema
/// version (RunRecord.schemaVersion), which changes every id.
let canonical (e: Experiment) = canonicalOf (e.Model.Introduced @ Spread.introduced @ RunSettings.introduced) (e.Model.Describe())

let private hash (s: string) = SHA256.HashData(Encoding.UTF8.GetBytes s)

/// 12 hex digits of SHA-256 over a canonical form and a seed part ("seed=…" or "replicate=…").
let idOf (canonicalForm: string) (seedPart: string) =
    Convert.ToHexString(hash (canonicalForm + ";" + seedPart), 0, 6).ToLowerInvariant()

/// The content-derived identity: 12 hex digits of SHA-256 over the canonical form and the seed choice.
/// Equal configurations get equal ids on every machine and in every run; any change of a parameter changes it.
let id (e: Experiment) =
    let seedPart =
        match e.Seed with
        | Given -> $"seed={e.Model.Seed}"
        | Replicate r -> $"replicate={r}"
    idOf (canonical e) seedPart

/// The seed the experiment runs with. Replicate r: a hash of r and of the canonical form without the compared keys
/// (the family's rule keys and the grid's `Compared`), so the runs of replicate r of every compared value share
/// initial weights, data order and noise: comparisons are paired.
let seed (e: Experiment) =
    match e.Seed with
    | Given -> e.Model.Seed
    | Replicate r ->
        let values = e.Model.Describe() |> omitIntroduced (e.Model.Introduced @ Spread.introduced @ RunSettings.introduced) |> without (e.Model.Treatment @ e.Compared)
        BitConverter.ToUInt64(hash ($"schema={schemaVersion};" + text values + $";replicate={r}"), 0)

/// The model config with the resolved seed and the task's settings filled in.
let resolve (e: Experiment) = e.Model.WithSeed(seed e).Resolved

/// A short human-readable label: model, rule and data set.
let label (e: Experiment) = $"{e.Model.Family} {e.Model.RuleName} {nameOf e.Model.Dataset}"

/// The data an experiment trains on: data set, train size, test size.
let data (e: Experiment) =
    let train, test = e.Model.Sizes
    e.Model.Dataset, train, test

/// Every reason the experiment cannot run (epochs, the family's checks), empty when it can.
let problems (e: Experiment) = e.Model.Problems()

/// Every reason the experiment does not fit its loaded data (batch larger than the training set, a network beyond
/// the memory limit), empty when it does.
let fitProblems (e: Experiment) (split: DataSplit) = (resolve e).FitProblems split

/// The record's configuration: the description plus where it came from.
let runConfig (e: Experiment) = (resolve e).Describe()

/// The options every `sbp train <family>` shares (None: the family's default).
type CommonArgs =
    { Dataset: DataSetName option
      Hidden: int list option
      Epochs: int option
      TrainSize: int option
      TestSize: int option
      Seed: uint64 option
      /// The training data order (None: the family's reference order).
      Order: DataOrder option
      /// The test set (None: the task's reference test set).
      TestSet: TestSet option
      /// The data's identity when a user supplied other files than the standard ones (DataSets.Identity).
      Source: string option
      CheckInvariants: bool }

/// The settings with the options a command line gives (an option it leaves out keeps the setting).
let withArgs (a: CommonArgs) (r: RunSettings) =
    { r with
        Dataset = defaultArg a.Dataset r.Dataset
        Hidden = defaultArg a.Hidden r.Hidden
        Epochs = defaultArg a.Epochs r.Epochs
        TrainSize = a.TrainSize |> Option.orElse r.TrainSize
        TestSize = a.TestSize |> Option.orElse r.TestSize
        Seed = defaultArg a.Seed r.Seed
        Order = defaultArg a.Order r.Order
        TestSet = a.TestSet |> Option.orElse r.TestSet
        Source = defaultArg a.Source r.Source
        CheckInvariants = a.CheckInvariants || r.CheckInvariants }

/// The Argu case name and values of a parsed option (a union value of a family's template).
let private caseOf (option: obj) =
    let case, fields = Reflection.FSharpValue.GetUnionFields(option, option.GetType())
    case.Name, List.ofArray fields

/// Every option a parsed command line gives (`results`: Argu's ParseResults of a template, whatever its type), in the
/// order given: its case name and values.
let givenOptions (results: obj) =
    let all = results.GetType().GetMethod("GetAllResults").Invoke(results, [| box (Some Argu.ParseSource.All) |]) :?> Collections.IEnumerable
    [ for r in all -> caseOf r ]

/// The option of `parameters` that an Argu case (a value of the family's template) stands for.
let optionOf (parameters: Param<'c> list) (case: obj) =
    let name, _ = caseOf case
    match parameters |> List.collect (fun p -> p.Options) |> List.tryFind (fun o -> o.Case = name) with
    | Some o -> o
    | None -> invalidOp $"the option {name} of {case.GetType().Name} is in no parameter of the family's schema"

/// The configuration a parsed `sbp train <family>` command line asks for (`results`: Argu's ParseResults of the
/// family's template): `start` with every option given applied, parameter by parameter in the schema's order (the rule
/// before the options that depend on it), each in the order given. An option that does not apply raises an
/// ArgumentException with the reason.
let ofOptions (parameters: Param<'c> list) (start: 'c) (results: obj) =
    let given = givenOptions results
    parameters
    |> List.collect (fun p -> p.Options)
    |> List.fold
        (fun c o ->
            given
            |> List.filter (fst >> (=) o.Case)
            |> List.fold (fun c (_, values) -> match o.Apply values c with Ok c -> c | Error m -> invalidArg "option" m) c)
        start

/// A family as the command line and the registry see it, whatever its configuration type.
type Registered =
    { Name: string
      /// The family's name in tables, figures and the report.
      DisplayName: string
      /// The authors' cap on the cost metric's upper error level, per task.
      PaperCap: DataSetName -> float option
      /// The keys a comparison of learning rules varies (the family's `Treatment`).
      Treatment: string list
      Summary: string
      /// The family's reference configuration as an experiment.
      Defaults: Experiment
      /// The experiment a parsed `sbp train <family>` command line asks for: the shared options and the family's
      /// own Argu results.
      OfArgs: CommonArgs -> obj -> Experiment
      /// The sweep keys: name and what its values look like.
      Keys: (string * string) list
      /// Words for the record fields of the family's parameters: field (dotted), axis name, short name.
      Words: (string * string * string) list
      /// The experiment a run record of this family describes: its typed configuration with the record's seed and
      /// replicate; an error names the field that cannot be read, or says that the configuration reads back as
      /// another experiment than the record's id.
      Read: Record -> Result<Experiment, string>
      /// The experiment a run of `e` is compared against (same replicate), None for a baseline itself.
      Baseline: Experiment -> Experiment option
      /// Sets a sweep key of an experiment of this family from its text.
      Set: string -> string -> Experiment -> Result<Experiment, string> }

/// Registers a family: its configuration type disappears behind the functions the edge needs.
let register (family: Family<'c>) =
    { Name = family.Name
      DisplayName = family.DisplayName
      PaperCap = family.PaperCap
      Treatment = family.Treatment
      Summary = family.Summary
      Defaults = create family family.Defaults
      OfArgs =
        fun common o -> ofOptions family.Parameters family.Defaults o |> family.Common.Update(withArgs common) |> create family
      Keys = family.Keys |> List.map (fun k -> k.Name, k.Values)
      Words = family.Parameters |> List.collect (fun p -> p.Words)
      Read =
        fun r ->
            Decode.attempt (fun () -> family.OfRecord r.Config)
            |> Result.bind (fun c ->
                let choice =
                    match r.Config |> List.tryFind (fst >> (=) "replicate") with
                    | Some(_, Int i) -> Replicate(int i)
                    | _ -> Given
                let e = { Model = (Model(family, c) :> IModel).WithSeed r.Seed; Seed = choice; Compared = [] }
                match r.Config |> List.tryFind (fst >> (=) "rule"), r.Config |> List.tryFind (fst >> (=) "experimentId") with
                | Some(_, Text written), _ when written <> family.RuleName c ->
                    Error $"config field 'rule': '{written}' is not the rule its parameters describe ('{family.RuleName c}'; a renamed rule)"
                | _, Some(_, Text stored) when stored <> id e ->
                    Error $"its configuration reads back as experiment {id e}, not as its id {stored} (a renamed or changed parameter)"
                | _ -> Ok e)
      Baseline =
        fun e ->
            tryConfig family e
            |> Option.bind family.Baseline
            |> Option.map (fun b -> { e with Model = (Model(family, b) :> IModel).WithSeed e.Model.Seed })
      Set =
        fun name text e ->
            match family.Keys |> List.tryFind (fun k -> k.Name = name), tryConfig family e with
            | None, _ ->
                let valid = String.Join(", ", family.Keys |> List.map (fun k -> k.Name))
                Error $"unknown key '{name}' for {family.Name}; valid keys: {valid}"
            | Some _, None -> Error $"{name}: not an experiment of {family.Name}"
            | Some k, Some c ->
                k.Set text c
                |> Result.map (fun c -> { e with Model = Model(family, c) })
                |> Result.mapError (fun m -> $"{name}={text}: {m}") }
