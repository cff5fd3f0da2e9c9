/// Helpers shared by the tests: temporary folders, FsCheck configuration, the provisioned data sets.
module Sbp.Tests.TestSupport

open System
open System.IO
open Expecto

/// A fresh folder under the system temp directory, deleted when disposed.
type TempDir() =
    let path = Path.Combine(Path.GetTempPath(), "sbp-tests-" + Guid.NewGuid().ToString("N"))
    do Directory.CreateDirectory path |> ignore
    member _.Path = path
    member _.File(name: string) = Path.Combine(path, name)
    interface IDisposable with
        member _.Dispose() = try Directory.Delete(path, true) with _ -> ()

/// FsCheck settings: under CI the replay seed is pinned so that every CI run checks the same cases; locally a
/// fresh seed each run. FsCheck prints the seed of any failure so that it can be replayed.
let fsConfig =
    let pinned = Environment.GetEnvironmentVariable "CI" = "true"
    { FsCheckConfig.defaultConfig with
        maxTest = 100
        replay = if pinned then Some(0x5B1D2021UL, 0x9E3779B97F4A7C15UL, None) else None }

let property name (body: 'a -> 'b) = testPropertyWithConfig fsConfig name body
let propertyN n name (body: 'a -> 'b) = testPropertyWithConfig { fsConfig with maxTest = n } name body

/// Raises unless `f` throws an exception of type 'E; returns it for further checks.
let throwsOf<'E when 'E :> exn> (f: unit -> unit) (what: string) : 'E =
    let caught =
        try
            f ()
            None
        with e -> Some e
    match caught with
    | Some(:? 'E as e) -> e
    | Some other -> failtestf "%s: expected %s, got %s: %s" what typeof<'E>.Name (other.GetType().Name) other.Message
    | None -> failtestf "%s: expected %s, nothing was thrown" what typeof<'E>.Name

/// The real data sets are provisioned once per test run (the same command a user runs).
let ensureProvisioned =
    lazy
        for p in Sbp.Experiments.Provision.all do
            if not (Sbp.Experiments.Provision.isProvisioned p) then
                Sbp.Experiments.Provision.fetch (eprintfn "%s") p
