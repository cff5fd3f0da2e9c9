/// Where the repository, the data cache and the user-supplied data sets are.
module Sbp.Experiments.Paths

open System
open System.IO

type private Marker = class end

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

/// The folder of the program's own assemblies (where the build copies the corpora the repository ships), found from
/// this assembly so that `dotnet fsi` scripts that load it find the same folder as the `sbp` program and the tests.
let programDir =
    lazy
        match typeof<Marker>.Assembly.Location with
        | null | "" -> AppContext.BaseDirectory
        | location -> Path.GetDirectoryName location

/// The NETtalk corpus the repository ships (data/nettalk), as the build copies it beside the program.
let shippedNettalkDir () = Path.Combine(programDir.Value, "data", "nettalk")

/// The NETtalk corpus folder: the given option, else $SBP_NETTALK_DIR, else the copy shipped with the program.
let nettalkDir (option: string option) =
    option
    |> Option.orElse (envOr "SBP_NETTALK_DIR")
    |> Option.defaultWith shippedNettalkDir

/// The DVS128 Gesture folder, which only a user can supply: the given option, else $SBP_DVS_DIR.
let dvsDir (option: string option) = option |> Option.orElse (envOr "SBP_DVS_DIR")
