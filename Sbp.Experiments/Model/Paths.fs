/// Where the data cache, the shipped corpora and the user-supplied data sets are.
module Sbp.Experiments.Paths

open System
open System.IO

type private Marker = class end

let private envOr (name: string) =
    match Environment.GetEnvironmentVariable name with
    | null | "" -> None
    | v -> Some v

/// The cache that `sbp data fetch` fills: $SBP_DATA_DIR, else the user's local application-data folder
/// (`~/.local/share/sbp/data` on Linux, `~/Library/Application Support/sbp/data` on macOS,
/// `%LOCALAPPDATA%\sbp\data` on Windows). The library never guesses a repository from the current folder, so a
/// script run anywhere finds the same cache, and nothing fetched lands inside a checkout.
let dataCache () =
    envOr "SBP_DATA_DIR"
    |> Option.defaultWith (fun () ->
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "sbp", "data"))

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

/// The folder under results/ that single `sbp train` runs write to by default (ignored by git).
let trainFolder = "train"

/// The grid the main job (`sbp reproduce`) writes for a data set, given by name when it is not standard MNIST
/// (ignored by git: `reproduce`, `reproduce-<data set>`).
let reproduceGrid (dataset: string option) =
    match dataset with
    | None -> "reproduce"
    | Some name -> $"reproduce-{name}"

/// Whether a folder under results/ holds local output of the commands above rather than committed grids: the report,
/// written from the committed records, never reads it.
let isLocalOutput (folder: string) =
    folder = trainFolder || folder = reproduceGrid None || folder.StartsWith(reproduceGrid None + "-", StringComparison.Ordinal)
