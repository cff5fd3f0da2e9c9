module Sbp.Tests.Experiments.ClaimsTests

open System
open System.IO
open System.Threading.Tasks
open Expecto
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private policy = Claims.defaultPolicy

[<Tests>]
let tests =
    testList "Experiments/Claims" [
        testCase "a claimed experiment cannot be claimed again until its claim is released" <| fun () ->
            use d = new TempDir()
            let dir = Path.Combine(d.Path, "abc")
            let first = Claims.tryClaim policy dir
            Expect.isSome first "the first claim succeeds"
            Expect.isNone (Claims.tryClaim policy dir) "a live claim refuses a second claimant"
            (first.Value :> IDisposable).Dispose()
            Expect.isFalse (File.Exists(Claims.claimPath dir)) "release deletes the claim"
            use again = (Claims.tryClaim policy dir).Value
            Expect.isTrue (File.Exists again.Path) "claimable again after release"

        testCase "of many simultaneous claimants exactly one wins" <| fun () ->
            use d = new TempDir()
            let dir = Path.Combine(d.Path, "race")
            let results = Array.init 16 (fun _ -> Task.Run(fun () -> Claims.tryClaim policy dir)) |> Array.map (fun t -> t.Result)
            let winners = results |> Array.choose id
            Expect.equal winners.Length 1 "one winner"
            for w in winners do (w :> IDisposable).Dispose()

        testCase "a claim whose heartbeat is older than the stale age is taken over" <| fun () ->
            use d = new TempDir()
            let dir = Path.Combine(d.Path, "old")
            Directory.CreateDirectory dir |> ignore
            let path = Claims.claimPath dir
            File.WriteAllText(path, """{"host":"elsewhere","pid":1,"token":"t","claimedUtc":"2020-01-01T00:00:00Z"}""")
            Expect.isFalse (Claims.isStale policy path) "a fresh claim of another host is live"
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow - TimeSpan.FromMinutes 10.0)
            Expect.isTrue (Claims.isStale policy path) "an old heartbeat is stale"
            use c = (Claims.tryClaim policy dir).Value
            Expect.equal (Claims.readOwner c.Path).Value.Pid Environment.ProcessId "now owned by this process"

        testCase "a claim of a process of this host that has exited is stale at once" <| fun () ->
            use d = new TempDir()
            let dir = Path.Combine(d.Path, "dead")
            Directory.CreateDirectory dir |> ignore
            use p = Diagnostics.Process.Start(Diagnostics.ProcessStartInfo("true", UseShellExecute = false))
            p.WaitForExit()
            File.WriteAllText(Claims.claimPath dir, $"""{{"host":"{Environment.MachineName}","pid":{p.Id},"token":"t","claimedUtc":"x"}}""")
            Expect.isTrue (Claims.isStale policy (Claims.claimPath dir)) "the owner is gone"
            Expect.isSome (Claims.tryClaim policy dir) "taken over"

        testCase "stale temporary files are removed, fresh ones are kept" <| fun () ->
            use d = new TempDir()
            let dir = Path.Combine(d.Path, "g", "id")
            Directory.CreateDirectory dir |> ignore
            let oldTmp = Path.Combine(dir, "run.json.tmp-1-aa")
            let freshTmp = Path.Combine(dir, "run.json.tmp-2-bb")
            let record = Path.Combine(dir, "run.json")
            for f in [ oldTmp; freshTmp; record ] do File.WriteAllText(f, "{}")
            File.SetLastWriteTimeUtc(oldTmp, DateTime.UtcNow - TimeSpan.FromHours 1.0)
            File.SetLastWriteTimeUtc(record, DateTime.UtcNow - TimeSpan.FromHours 1.0)
            let removed = Claims.cleanStale (Path.Combine(d.Path, "g")) (TimeSpan.FromMinutes 1.0)
            Expect.equal removed 1 "one stale file"
            Expect.isFalse (File.Exists oldTmp) "old temporary file gone"
            Expect.isTrue (File.Exists freshTmp) "fresh temporary file kept"
            Expect.isTrue (File.Exists record) "records are never touched"
    ]
