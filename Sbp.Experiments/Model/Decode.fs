/// Reading a run record's `config` values back into a typed configuration: the inverse of a family's `Describe`.
/// Every reader fails with the field's name and what was expected; `attempt` turns that into a Result.
module Sbp.Experiments.Decode

open System
open Sbp.Experiments.RunRecord

/// The fields of a configuration (or of one of its objects).
type Fields = (string * Value) list

/// A field that cannot be read.
exception DecodeError of string

let private fail (message: string) = raise (DecodeError message)

let has (kvs: Fields) (k: string) = kvs |> List.exists (fst >> (=) k)

let get (kvs: Fields) (k: string) =
    match kvs |> List.tryFind (fst >> (=) k) with
    | Some(_, v) -> v
    | None -> fail $"config field '{k}' is missing"

/// A field's value as `pick` reads it, or an error saying what was expected.
let private expect (what: string) (pick: Value -> 'a option) (k: string) (v: Value) =
    match pick v with
    | Some x -> x
    | None -> fail $"config field '{k}': expected {what}, got {v}"

let private asInt = expect "an integer" (function Int i -> Some(Operators.int i) | _ -> None)
/// A number (JSON writes an integral value without a fraction, so an integer reads as a number too).
let private asNum = expect "a number" (function Num f -> Some f | Int i -> Some(float i) | _ -> None)

let int (kvs: Fields) k = asInt k (get kvs k)
let float32 (kvs: Fields) k = Operators.float32 (asNum k (get kvs k))
let text (kvs: Fields) k = expect "a text" (function Text s -> Some s | _ -> None) k (get kvs k)
let flag (kvs: Fields) k = expect "true or false" (function Flag b -> Some b | _ -> None) k (get kvs k)
let private items (kvs: Fields) k = expect "a list" (function Items xs -> Some xs | _ -> None) k (get kvs k)
let ints (kvs: Fields) k = items kvs k |> List.map (asInt k)
let float32s (kvs: Fields) k = items kvs k |> List.map (asNum k >> Operators.float32)
let fields (kvs: Fields) k = expect "an object" (function Fields f -> Some f | _ -> None) k (get kvs k)

/// A size: an integer, or "default" (the task's split).
let size (kvs: Fields) k =
    match get kvs k with
    | Int i -> Some(Operators.int i)
    | Text "default" -> None
    | v -> fail $"config field '{k}': expected an integer or \"default\", got {v}"

/// Optional weight bounds: [min, max] or "none".
let bounds (kvs: Fields) k =
    match get kvs k with
    | Text "none" -> None
    | Items [ lo; hi ] -> Some(Operators.float32 (asNum k lo), Operators.float32 (asNum k hi))
    | v -> fail $"config field '{k}': expected [min, max] or \"none\", got {v}"

/// An enumeration value by its name (as `string` wrote it).
let enum<'e when 'e: struct and 'e: (new: unit -> 'e) and 'e :> ValueType> (kvs: Fields) k : 'e =
    let s = text kvs k
    match Enum.TryParse<'e>(s, false) with
    | true, e when Enum.IsDefined(typeof<'e>, e) -> e
    | _ -> fail $"""config field '{k}': '{s}' is not one of {String.Join(", ", Enum.GetNames(typeof<'e>))}"""

let dataset (kvs: Fields) =
    match DataSets.parseName (text kvs "dataset") with
    | Ok d -> d
    | Error e -> fail $"config field 'dataset': {e}"

/// A value the family does not know.
let unknown (k: string) (v: string) (expected: string) : 'a = fail $"config field '{k}': '{v}' is not {expected}"

/// Runs a reader, its failure as an Error.
let attempt (read: unit -> 'a) : Result<'a, string> =
    try Ok(read ()) with DecodeError m -> Error m
