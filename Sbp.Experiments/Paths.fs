/// Where the repository, the data cache and the user-supplied data sets are.
module Sbp.Experiments.Paths

open System
open System.IO

let private envOr (name: string) =
    match Environment.GetEnvironmentVariable name with
    | null | "" -> None
    | v -> Some v

/// The repository root: the nearest folder holding Sbp.sln above the working directory, else above the program.
let repositoryRoot =
    lazy
        let rec up (dir: DirectoryInfo) =
            if isNull dir then None
            elif File.Exists(Path.Combine(dir.FullName, "Sbp.sln")) then Some dir.FullName
            else up dir.Parent
        match up (DirectoryInfo Environment.CurrentDirectory) with
        | Some r -> r
        | None ->
            match up (DirectoryInfo AppContext.BaseDirectory) with
            | Some r -> r
            | None -> Environment.CurrentDirectory

/// The ignored cache that `sbp data fetch` fills: $SBP_DATA_DIR, else .data/ in the repository.
let dataCache () =
    envOr "SBP_DATA_DIR" |> Option.defaultWith (fun () -> Path.Combine(repositoryRoot.Value, ".data"))

/// The NETtalk corpus folder: the given option, else $SBP_NETTALK_DIR, else ../shared/data/nettalk beside the repository.
let nettalkDir (option: string option) =
    option
    |> Option.orElse (envOr "SBP_NETTALK_DIR")
    |> Option.defaultWith (fun () -> Path.GetFullPath(Path.Combine(repositoryRoot.Value, "..", "shared", "data", "nettalk")))

/// The DVS128 Gesture folder, which only a user can supply: the given option, else $SBP_DVS_DIR.
let dvsDir (option: string option) = option |> Option.orElse (envOr "SBP_DVS_DIR")
