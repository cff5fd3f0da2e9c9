/// Building blocks of the keys a command-line sweep varies (`--vary key=v1,v2`): value parsers with one-line errors and
/// the SBP spread's keys (the keys every family shares are Schema.Run's).
module Sbp.Experiments.Keys

open System
open System.Globalization
open Sbp.Experiments.DataSets
open Sbp.Experiments.Experiment

let int (s: string) =
    match Int32.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture) with
    | true, v -> Ok v
    | _ -> Error $"'{s}' is not an integer"

let float32 (s: string) =
    match Single.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) with
    | true, v when Single.IsFinite v -> Ok v
    | _ -> Error $"'{s}' is not a finite number"

let uint64 (s: string) =
    match UInt64.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture) with
    | true, v -> Ok v
    | _ -> Error $"'{s}' is not a non-negative integer"

/// "a:b" as two numbers.
let pair (s: string) =
    match s.Split ':' with
    | [| a; b |] ->
        match float32 a, float32 b with
        | Ok x, Ok y -> Ok(x, y)
        | Error e, _ | _, Error e -> Error e
    | _ -> Error $"'{s}' is not a pair a:b"

/// Hidden layer sizes "500" or "500x300".
let layers (s: string) =
    let parts = s.Split('x', StringSplitOptions.RemoveEmptyEntries) |> Array.map int
    match parts |> Array.tryPick (function Error e -> Some e | Ok _ -> None) with
    | Some e -> Error e
    | None when parts.Length = 0 -> Error $"'{s}' names no hidden layer"
    | None -> Ok [ for p in parts do match p with Ok n -> n | Error _ -> () ]


/// A key whose values are names.
let choice name (cases: (string * ('c -> 'c)) list) : Key<'c> =
    let names = cases |> List.map fst
    { Key.Name = name
      Values = String.Join(", ", names)
      Set = fun s c ->
          match cases |> List.tryFind (fun (n, _) -> n = s.Trim().ToLowerInvariant()) with
          | Some(_, f) -> Ok(f c)
          | None -> Error $"""unknown {name} '{s}'; expected one of {String.Join(", ", names)}""" }

/// The SBP spread's keys ("sbp.depth", "sbp.range", ...) for a family whose configuration may hold a spread: `get`
/// finds it (None: the rule has no spread, and the key is refused with `missing` as the reason), `set` puts it back.
let spread (get: 'c -> Spread.SbpSpread option) (set: Spread.SbpSpread -> 'c -> 'c) (missing: string) : Key<'c> list =
    [ for name, values, change in Spread.keys ->
          { Key.Name = "sbp." + name
            Values = values
            Set = fun v c ->
                match get c with
                | Some s -> change v s |> Result.map (fun s -> set s c)
                | None -> Error $"sbp.{name} {missing}" } ]
