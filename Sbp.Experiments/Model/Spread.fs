/// The SBP spread (docs/SBP-SPEC.md §3) as a value of the experiment model: it exists only where SBP is on, so its λs,
/// fraction and depth cannot be set on a run without SBP. Shared by the three model families.
module Sbp.Experiments.Spread

open Sbp.Core.Plasticity
open Sbp.Experiments.RunRecord

/// Which neurons' modifications propagate.
type SbpRange =
    /// The reference: N(r·v) = N(v) with r = 0.1, so every neuron propagates and r has no effect.
    | Reference
    /// Only the ⌈r·n⌉ neurons with the largest modification propagate; the others get factor 1.
    | TopFraction of r: float32

/// The SBP operator's parameters (defaults = the reference, read from the core's record).
type SbpSpread =
    { /// Propagation depth: 0 = lateral only, 1 = the paper, k = up to k layers upstream.
      Depth: int
      /// Fraction f of the modification that spreads.
      Fraction: float32
      LambdaPre: float32
      LambdaPost: float32
      LambdaBp: float32
      Range: SbpRange
      /// Modulate: every layer keeps its own change, rescaled (the paper); replace: upstream changes are synthesised
      /// from downstream ones (the spiking MLP's operator always replaces).
      Mode: SbpMode }

let private core = SbpParameters()

/// The reference spread (the paper's SBP).
let reference =
    { Depth = core.Depth
      Fraction = core.Fraction
      LambdaPre = core.LambdaPre
      LambdaPost = core.LambdaPost
      LambdaBp = core.LambdaBp
      Range = Reference
      Mode = core.Mode }

/// The core's parameters of a spread.
let toCore (s: SbpSpread) =
    SbpParameters(
        Fraction = s.Fraction,
        LambdaPre = s.LambdaPre,
        LambdaPost = s.LambdaPost,
        LambdaBp = s.LambdaBp,
        Depth = s.Depth,
        Range = (match s.Range with Reference -> core.Range | TopFraction r -> r),
        RangeMode = (match s.Range with Reference -> RangeMode.Reference | TopFraction _ -> RangeMode.TopFraction),
        Mode = s.Mode)

/// Every reason the spread cannot run (the core's checks).
let problems (s: SbpSpread) = (toCore s).Problems() |> List.ofSeq

let private num (x: float32) = Num(float x)

/// Spread parameters introduced after the schema version, with their value at introduction (dotted paths under the
/// "sbp" key): the canonical form of every family leaves them out while they hold it, so earlier ids keep meaning.
let introduced: (string * Value) list = [ "sbp.range", Text "reference" ]

/// The spread as a record value (run records, tables, ids).
let value (s: SbpSpread) =
    Fields [ "fraction", num s.Fraction; "lambdaPre", num s.LambdaPre; "lambdaPost", num s.LambdaPost
             "lambdaBp", num s.LambdaBp; "depth", Int(int64 s.Depth); "mode", Text(string s.Mode)
             "range", (match s.Range with Reference -> Text "reference" | TopFraction r -> Fields [ "topFraction", num r ]) ]

let private number (text: string) =
    match System.Single.TryParse(text.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture) with
    | true, x when System.Single.IsFinite x -> Ok x
    | _ -> Error $"'{text}' is not a finite number"

/// The spread's range as a sweep value: "reference" or "top:r".
let parseRange (text: string) =
    match text.Trim().ToLowerInvariant() with
    | "reference" -> Ok Reference
    | t when t.StartsWith "top:" -> number (t.Substring 4) |> Result.map TopFraction
    | _ -> Error $"'{text}' is not a range; expected reference or top:r"

/// The spread's keys for command-line sweeps ("sbp.<name>"): name, what the values look like, and how a value sets it.
let keys: (string * string * (string -> SbpSpread -> Result<SbpSpread, string>)) list =
    [ "depth", "integers ≥ 0",
      (fun v s ->
          match System.Int32.TryParse(v.Trim()) with
          | true, d -> Ok { s with Depth = d }
          | _ -> Error $"'{v}' is not an integer")
      "fraction", "numbers ≥ 0", (fun v s -> number v |> Result.map (fun f -> { s with Fraction = f }))
      "lambda-pre", "numbers ≥ 0", (fun v s -> number v |> Result.map (fun x -> { s with LambdaPre = x }))
      "lambda-post", "numbers ≥ 0", (fun v s -> number v |> Result.map (fun x -> { s with LambdaPost = x }))
      "lambda-bp", "numbers ≥ 0", (fun v s -> number v |> Result.map (fun x -> { s with LambdaBp = x }))
      "range", "reference or top:r", (fun v s -> parseRange v |> Result.map (fun r -> { s with Range = r })) ]

/// The spread of a record value (the inverse of `value`); a record written before the range existed has the
/// reference range.
let ofValue (v: Value) =
    match v with
    | Fields kvs ->
        { Depth = Decode.int kvs "depth"
          Fraction = Decode.float32 kvs "fraction"
          LambdaPre = Decode.float32 kvs "lambdaPre"
          LambdaPost = Decode.float32 kvs "lambdaPost"
          LambdaBp = Decode.float32 kvs "lambdaBp"
          Mode = Decode.enum<SbpMode> kvs "mode"
          Range =
            if not (Decode.has kvs "range") then Reference
            else
                match Decode.get kvs "range" with
                | Text "reference" -> Reference
                | Fields r -> TopFraction(Decode.float32 r "topFraction")
                | v -> Decode.unknown "sbp.range" (string v) "\"reference\" or {topFraction}" }
    | v -> Decode.unknown "sbp" (string v) "an SBP spread object"

/// The spread in a few words: what differs from the reference ("reference" when nothing does), e.g. "f = 5",
/// "top 5%", "depth 2".
let label (s: SbpSpread) =
    let text (x: float32) = x.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)
    let parts =
        [ if s.Fraction <> reference.Fraction then $"f = {text s.Fraction}"
          match s.Range with
          | TopFraction r -> $"top {text (100f * r)}%%"
          | Reference -> ()
          if s.Depth <> reference.Depth then $"depth {s.Depth}"
          if (s.LambdaPre, s.LambdaPost, s.LambdaBp) <> (reference.LambdaPre, reference.LambdaPost, reference.LambdaBp) then
              $"λ {text s.LambdaPre}/{text s.LambdaPost}/{text s.LambdaBp}"
          if s.Mode <> reference.Mode then string s.Mode ]
    if parts.IsEmpty then "reference" else System.String.Join(", ", parts)
