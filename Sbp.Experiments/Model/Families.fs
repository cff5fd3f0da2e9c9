/// The registered model families: the CLI's subcommands, and how tables and the report read run records back into
/// typed configurations.
module Sbp.Experiments.Families

open Sbp.Experiments.Experiment
open Sbp.Experiments.RunRecord

let all = [ SnnConfig.registered; EqPropConfig.registered; SmlpConfig.registered ]

/// The registered family of a run record (its `model` field names it).
let ofRecord (r: Record) =
    match r.Config |> List.tryFind (fst >> (=) "model") with
    | Some(_, Text name) ->
        match all |> List.tryFind (fun f -> f.Name = name) with
        | Some f -> Ok f
        | None -> Error $"""model '{name}' is not a registered family ({System.String.Join(", ", all |> List.map (fun f -> f.Name))})"""
    | _ -> Error "config field 'model' is missing"

/// The words the families' schemas give a record field (dotted): its axis name and its short name.
let words (field: string) =
    all |> List.tryPick (fun f -> f.Words |> List.tryFind (fun (k, _, _) -> k = field)) |> Option.map (fun (_, axis, short) -> axis, short)

/// The typed experiment a run record describes.
let read (r: Record) = ofRecord r |> Result.bind (fun f -> f.Read r)
