/// Building a family's schema (Experiment.Param): one entry per parameter, with its record field, sweep key, option,
/// help, range and words, from which the description, the record's read-back, the sweep keys, the `sbp train` options,
/// the checks and the figures' labels all derive. Two kinds of builder:
/// - a parameter with one number, integer or switch starts as a `Scalar` (`number`, `integer`, `flag`: record field,
///   read-back, and its accessors), gains a key, a range, an option and words that set and read it through those
///   accessors (`keyNumber`, `range`, `optionNumber`, `words`, …), and ends with `param`:
///     Schema.number "beta" (fun c -> c.Beta) (fun x c -> { c with Beta = x })
///     |> Schema.keyNumber "beta" |> Schema.optionNumber "Beta" "nudging strength β (default 0.5)."
///     |> Schema.words "nudging strength β" "nudging strength β" |> Schema.param
/// - any other parameter (a rule, a spread, a field with several entries) is a `Param` from `entries` or `field`,
///   given its keys, options and words one by one (`withKey`, `withOption`, `withWords`, `spread`).
/// The settings every family has (data set, sizes, epochs, …) are the entries of `Run`.
module Sbp.Experiments.Schema

open Sbp.Core.Plasticity
open Sbp.Experiments.DataSets
open Sbp.Experiments.Experiment
open Sbp.Experiments.RunRecord

/// A parameter whose entries and read-back are given; no key, option or words yet.
let entries (field: string) (write: 'c -> (string * Value) list) (read: Decode.Fields -> 'c -> 'c) : Param<'c> =
    { Field = field; Write = write; Read = read; Keys = []; Options = []; Words = []; Check = fun _ -> [] }

/// A parameter with one record field.
let field (name: string) (write: 'c -> Value) (read: Decode.Fields -> string -> 'c -> 'c) =
    entries name (fun c -> [ name, write c ]) (fun kvs c -> read kvs name c)

/// A parameter that only a sweep key or an option sets (the seed): no record field of its own.
let unrecorded (name: string) : Param<'c> = entries name (fun _ -> []) (fun _ c -> c)

/// Accessors kept beside a parameter, so that its key, option and range read and set it the same way.
type Scalar<'c, 'v> =
    { Param: Param<'c>
      Get: 'c -> 'v
      Set: 'v -> 'c -> 'c }

let private num (x: float32) = Num(float x)

/// A single-precision parameter.
let number (name: string) (get: 'c -> float32) (set: float32 -> 'c -> 'c) =
    { Param = field name (get >> num) (fun kvs k c -> set (Decode.float32 kvs k) c); Get = get; Set = set }

/// An integer parameter.
let integer (name: string) (get: 'c -> int) (set: int -> 'c -> 'c) =
    { Param = field name (fun c -> Int(int64 (get c))) (fun kvs k c -> set (Decode.int kvs k) c); Get = get; Set = set }

/// A switch (true or false).
let flag (name: string) (get: 'c -> bool) (set: bool -> 'c -> 'c) =
    { Param = field name (get >> Flag) (fun kvs k c -> set (Decode.flag kvs k) c); Get = get; Set = set }

/// A sweep key that sets a parameter.
let withKey (k: Key<'c>) (p: Param<'c>) = { p with Keys = p.Keys @ [ k ] }

/// A `sbp train` option of a parameter (the Argu case `case`).
let withOption (case: string) (help: string) (apply: obj list -> 'c -> Result<'c, string>) (p: Param<'c>) =
    { p with Options = p.Options @ [ { Case = case; Help = help; Apply = apply } ] }

/// Words for one of the parameter's record fields (dotted): the axis name and a short name for legends.
let withWords (field: string) (axis: string) (short: string) (p: Param<'c>) = { p with Words = p.Words @ [ field, axis, short ] }

/// The sweep key of a number or integer parameter (`key name`), set as its option sets it.
let private scalarKey (parse: string -> Result<'v, string>) (values: string) (name: string) (s: Scalar<'c, 'v>) =
    { s with Param = withKey { Key.Name = name; Values = values; Set = fun text c -> parse text |> Result.map (fun v -> s.Set v c) } s.Param }

let keyNumber name (s: Scalar<'c, float32>) = scalarKey Keys.float32 "numbers" name s
let keyInteger name (s: Scalar<'c, int>) = scalarKey Keys.int "integers" name s

/// The option (Argu case `case`, one value) of a number parameter.
let optionNumber case help (s: Scalar<'c, float32>) =
    { s with Param = withOption case help (fun vs c -> Ok(s.Set (float32 (unbox<float> vs.Head)) c)) s.Param }

/// The option of an integer parameter.
let optionInteger case help (s: Scalar<'c, int>) =
    { s with Param = withOption case help (fun vs c -> Ok(s.Set (unbox<int> vs.Head) c)) s.Param }

/// The option of a switch: given, it sets the switch on.
let optionFlag case help (s: Scalar<'c, bool>) = { s with Param = withOption case help (fun _ c -> Ok(s.Set true c)) s.Param }

/// The range of an integer parameter, `what` naming it in the message ("free-phase iterations must lie in 1..1000").
let range (what: string) (lo: int) (hi: int) (s: Scalar<'c, int>) =
    let check = s.Param.Check
    { s with Param = { s.Param with Check = fun c -> check c @ Limits.inRange what lo hi (s.Get c) } }

/// Words for the scalar's record field.
let words axis short (s: Scalar<'c, 'v>) = { s with Param = withWords s.Param.Field axis short s.Param }

/// The finished parameter.
let param (s: Scalar<'c, 'v>) = s.Param

/// The iteration counts of the free and the nudged phase ("freeIterations", "nudgeIterations"; keys free-iterations
/// and nudge-iterations, options --free-iterations and --nudge-iterations, each in 1..Limits.maxIterations), the two
/// phases of the spiking network and of equilibrium propagation.
let phases (getFree: 'c -> int) setFree (freeHelp: string) (getNudge: 'c -> int) setNudge (nudgeHelp: string) =
    [ integer "freeIterations" getFree setFree
      |> keyInteger "free-iterations" |> range "free-phase iterations" 1 Limits.maxIterations |> optionInteger "Free_Iterations" freeHelp
      |> words "free-phase iterations n_free" "n_free" |> param
      integer "nudgeIterations" getNudge setNudge
      |> keyInteger "nudge-iterations" |> range "nudged-phase iterations" 1 Limits.maxIterations |> optionInteger "Nudge_Iterations" nudgeHelp
      |> words "nudged-phase iterations n_nudge" "n_nudge" |> param ]

/// Learning rates per weight layer: [a1, a2, …] in records, `--alpha a1 a2 …`; None until resolved (the depth's
/// reference rates), read back as set.
let rates (name: string) (get: 'c -> float32 list option) (set: float32 list option -> 'c -> 'c) (help: string) =
    field name (fun c -> Items [ for a in (get c).Value -> num a ]) (fun kvs k c -> set (Some(Decode.float32s kvs k)) c)
    |> withOption "Alpha" help (fun vs c -> Ok(set (Some(unbox<float list> vs.Head |> List.map float32)) c))

/// Weight bounds: [min, max] or "none" in records, `--weight-bounds min max`.
let bounds (get: 'c -> (float32 * float32) option) (set: (float32 * float32) option -> 'c -> 'c) =
    field
        "weightBounds"
        (fun c ->
            match get c with
            | Some(lo, hi) -> Items [ num lo; num hi ]
            | None -> Text "none")
        (fun kvs k c -> set (Decode.bounds kvs k) c)
    |> withOption "Weight_Bounds" "clip weights to [min, max] after every update." (fun vs c ->
        match vs with
        | [ lo; hi ] -> Ok(set (Some(float32 (unbox<float> lo), float32 (unbox<float> hi))) c)
        | _ -> Error "--weight-bounds takes min and max")

/// The SBP spread's sweep keys ("sbp.depth", …), options (`--sbp-depth`, … among `cases`: Depth, Fraction, Lambda,
/// Sbp_Mode, Top_Fraction) and words, for a family whose configuration may hold a spread: `get` finds it (None: the
/// rule has none, and a key or option is refused: `keyMissing` says why after the key's name, `optionRule` names the
/// rule to choose), `set` puts it back.
let spread (cases: string list) (prefix: string) (get: 'c -> Spread.SbpSpread option) (set: Spread.SbpSpread -> 'c -> 'c) (ruleName: 'c -> string) (keyMissing: string) (optionRule: string) (p: Param<'c>) =
    let change (option: string) (f: Spread.SbpSpread -> Spread.SbpSpread) (c: 'c) =
        match get c with
        | Some s -> Ok(set (f s) c)
        | None -> Error $"{option} sets the SBP spread, which the rule {ruleName c} does not have (use --rule {optionRule})"
    let f (v: obj) = float32 (unbox<float> v)
    let all: Opt<'c> list =
        [ { Case = "Depth"; Help = $"{prefix}: propagation depth (0 = lateral only, 1 = the paper, the default; k = k layers upstream)."
            Apply = fun vs -> change "--sbp-depth" (fun s -> { s with Depth = unbox<int> vs.Head }) }
          { Case = "Fraction"; Help = $"{prefix}: fraction f of the modification that spreads (default 0.2)."
            Apply = fun vs -> change "--sbp-fraction" (fun s -> { s with Fraction = f vs.Head }) }
          { Case = "Lambda"; Help = $"{prefix}: strengths λ_pre λ_post λ_bp (default 1 0.5 1)."
            Apply = fun vs c ->
                match vs with
                | [ a; b; l ] -> change "--sbp-lambda" (fun s -> { s with LambdaPre = f a; LambdaPost = f b; LambdaBp = f l }) c
                | _ -> Error "--sbp-lambda takes three strengths: λ_pre λ_post λ_bp" }
          { Case = "Sbp_Mode"; Help = $"{prefix}: modulate (default) or replace."
            Apply = fun vs -> change "--sbp-mode" (fun s -> { s with Mode = unbox<SbpMode> vs.Head }) }
          { Case = "Top_Fraction"; Help = $"{prefix}: only the ceil(r·n) most-modified neurons propagate (default: the reference range, every neuron)."
            Apply = fun vs -> change "--sbp-top-fraction" (fun s -> { s with Range = Spread.TopFraction(f vs.Head) }) } ]
    let p = Keys.spread get set keyMissing |> List.fold (fun p k -> withKey k p) p
    let check = p.Check
    { p with
        Options = p.Options @ (all |> List.filter (fun o -> List.contains o.Case cases))
        Check = fun c -> check c @ (match get c with Some s -> Limits.inRange "the SBP depth" 0 Limits.maxDepth s.Depth | None -> []) }
    |> withWords "sbp.depth" "SBP depth (layers reached)" "SBP depth"
    |> withWords "sbp.fraction" "sbp fraction" "f"
    |> withWords "sbp.range" "sbp range" "range"

/// The settings every family has (RunSettings) as parameters, through the family's `Common`: each family places
/// them in its description where it first wrote them (the order is part of the canonical form its ids hash).
module Run =
    let private on (common: Common<'c>) (f: RunSettings -> RunSettings) (c: 'c) = common.Update f c
    let private key (common: Common<'c>) name values (parse: string -> Result<'v, string>) (set: 'v -> RunSettings -> RunSettings) : Key<'c> =
        { Key.Name = name; Values = values; Set = fun s c -> parse s |> Result.map (fun v -> on common (set v) c) }
    let private get (common: Common<'c>) (c: 'c) = common.Get c

    /// "dataset" (key dataset; the option is `sbp train`'s own --dataset).
    let dataset (common: Common<'c>) =
        field "dataset" (fun c -> Text(nameOf (get common c).Dataset)) (fun kvs _ c -> on common (fun r -> { r with Dataset = Decode.dataset kvs }) c)
        |> withKey (key common "dataset" "mnist, mnist-10k, fashion, nettalk, dvs" parseName (fun d r -> { r with Dataset = d }))
        |> withWords "dataset" "task" "task"

    /// "hidden" (key hidden: 500 or 500x300).
    let hidden (common: Common<'c>) =
        field "hidden" (fun c -> Items [ for n in (get common c).Hidden -> Int(int64 n) ]) (fun kvs k c -> on common (fun r -> { r with Hidden = Decode.ints kvs k }) c)
        |> withKey (key common "hidden" "sizes, e.g. 500 or 500x300" Keys.layers (fun h r -> { r with Hidden = h }))
        |> withWords "hidden" "hidden layers (neurons per layer)" "hidden"

    /// "epochs".
    let epochs (common: Common<'c>) =
        field "epochs" (fun c -> Int(int64 (get common c).Epochs)) (fun kvs k c -> on common (fun r -> { r with Epochs = Decode.int kvs k }) c)
        |> withKey (key common "epochs" "integers" Keys.int (fun n r -> { r with Epochs = n }))
        |> withWords "epochs" "epochs" "epochs"

    /// "batchSize" of resolved settings; `help` says the family's reference per task.
    let batchSize (common: Common<'c>) (help: string) =
        field "batchSize" (fun c -> Int(int64 (RunSettings.batchSize (get common c)))) (fun kvs k c -> on common (fun r -> { r with BatchSize = Some(Decode.int kvs k) }) c)
        |> withKey (key common "batch-size" "integers" Keys.int (fun n r -> { r with BatchSize = Some n }))
        |> withOption "Batch_Size" help (fun vs c -> Ok(on common (fun r -> { r with BatchSize = Some(unbox<int> vs.Head) }) c))
        |> withWords "batchSize" "batch size (samples)" "batch size (samples)"

    /// The three above in the order every family writes them.
    let training (common: Common<'c>) (batchHelp: string) = [ hidden common; epochs common; batchSize common batchHelp ]

    /// "checkInvariants" (the option is `sbp train`'s own --check-invariants).
    let checkInvariants (common: Common<'c>) =
        field "checkInvariants" (fun c -> Flag (get common c).CheckInvariants) (fun kvs k c -> on common (fun r -> { r with CheckInvariants = Decode.flag kvs k }) c)

    let private size (n: int option) = match n with Some n -> Int(int64 n) | None -> Text "default"

    /// "trainSize" and "testSize" (a number, or "default": the task's split).
    let sizes (common: Common<'c>) =
        [ field "trainSize" (fun c -> size (get common c).TrainSize) (fun kvs k c -> on common (fun r -> { r with TrainSize = Decode.size kvs k }) c)
          |> withKey (key common "train-size" "integers" Keys.int (fun n r -> { r with TrainSize = Some n }))
          field "testSize" (fun c -> size (get common c).TestSize) (fun kvs k c -> on common (fun r -> { r with TestSize = Decode.size kvs k }) c)
          |> withKey (key common "test-size" "integers" Keys.int (fun n r -> { r with TestSize = Some n })) ]

    /// "dataOrder", "testSet" and "dataSource" of resolved settings (every family's description ends with them). A
    /// record written before they existed: shuffled every epoch, the standard test split, the standard data.
    let protocol (common: Common<'c>) =
        [ field "dataOrder" (fun c -> Text(RunSettings.orderText (get common c).Order)) (fun kvs k c ->
              let order =
                  if not (Decode.has kvs k) then ShuffledEachEpoch
                  else
                      match RunSettings.parseOrder (Decode.text kvs k) with
                      | Ok o -> o
                      | Error _ -> Decode.unknown k (Decode.text kvs k) "file or shuffled"
              on common (fun r -> { r with Order = order }) c)
          |> withKey (key common "data-order" "file, shuffled" RunSettings.parseOrder (fun o r -> { r with Order = o }))
          |> withWords "dataOrder" "data order" "data order"
          field "testSet" (fun c -> Text(RunSettings.testSetText (RunSettings.testSet (get common c)))) (fun kvs k c ->
              let t =
                  if not (Decode.has kvs k) then StandardTest
                  else
                      match Decode.text kvs k with
                      | "standard" -> StandardTest
                      | "held-out" -> HeldOutTraining
                      | t -> Decode.unknown k t "standard or held-out"
              on common (fun r -> { r with TestSet = Some t }) c)
          |> withKey (Keys.choice "test-set" [ "standard", on common (fun r -> { r with TestSet = Some StandardTest })
                                               "held-out", on common (fun r -> { r with TestSet = Some HeldOutTraining }) ])
          |> withWords "testSet" "test set" "test set"
          field "dataSource" (fun c -> Text (get common c).Source) (fun kvs k c ->
              on common (fun r -> { r with Source = (if Decode.has kvs k then Decode.text kvs k else DataSets.Identity.standard) }) c) ]

    /// The seed: not part of the description (a record keeps it apart), varied by the key seed.
    let seed (common: Common<'c>) =
        unrecorded "seed" |> withKey (key common "seed" "integers" Keys.uint64 (fun n r -> { r with Seed = n }))

    /// The entries every family's description ends with: sizes, protocol, then the seed (no record field).
    let closing (common: Common<'c>) = sizes common @ protocol common @ [ seed common ]
