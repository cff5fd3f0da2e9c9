module Sbp.Tests.Experiments.ClaimsTests

open System
open System.IO
open System.Threading.Tasks
open Expecto
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private policy = Claims.defaultPolicy

/// A claim of another host whose heartbeat stopped ten minutes ago: stale under the default policy.
let private staleClaim (dir: string) =
    Directory.CreateDirectory dir |> ignore
    let path = Claims.claimPath dir
    File.WriteAllText(path, $"""{{"host":"elsewhere","pid":1,"token":"{Guid.NewGuid():N}","claimedUtc":"2020-01-01T00:00:00Z"}}""")
    File.SetLastWriteTimeUtc(path, DateTime.UtcNow - TimeSpan.FromMinutes 10.0)

/// One runner process of the takeover race: `threads` claimants that start at the UTC moment `startTicks` (ticks) and
/// try to claim every experiment folder under `folder`, half in folder order, half in reverse; returns the folders
/// won with the token of each claim, which is kept (a claimant process exits holding its claims).
let race (folder: string) (startTicks: int64) (threads: int) (runner: int) =
    let dirs = Directory.GetDirectories folder |> Array.sort
    let claimant (k: int) =
        Task.Run(fun () ->
            let order = if (runner + k) % 2 = 0 then dirs else Array.rev dirs
            while DateTime.UtcNow.Ticks < startTicks do Threading.Thread.SpinWait 20
            [ for dir in order do
                  match Claims.tryClaim policy dir with
                  | Some c -> yield dir, c.Owner.Token
                  | None -> () ])
    Array.init threads claimant |> Array.toList |> List.collect (fun t -> t.Result)

/// The entry of a claimant process (`Sbp.Tests claim-race <folder> <start ticks> <threads> <runner>`): writes each
/// folder it won and the claim's token, one per line, to <folder>.won-<runner>, then stays alive, holding its
/// claims, until <folder>.release exists (a claim of a process that has exited is stale, and rightly taken over).
let raceMain (args: string[]) =
    let folder = args[0]
    let won = race folder (int64 args[1]) (int args[2]) (int args[3])
    File.WriteAllLines($"{folder}.won-{args[3]}.tmp", [ for dir, token in won -> $"{dir}\t{token}" ])
    File.Move($"{folder}.won-{args[3]}.tmp", $"{folder}.won-{args[3]}")
    let watch = Diagnostics.Stopwatch.StartNew()
    while not (File.Exists $"{folder}.release") && watch.Elapsed.TotalMinutes < 2.0 do Threading.Thread.Sleep 20
    0

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

        testCase "of many runners taking over the same stale claims at once, exactly one owns each" <| fun () ->
            use d = new TempDir()
            let folder = Path.Combine(d.Path, "g")
            for i in 0 .. 199 do staleClaim (Path.Combine(folder, $"e{i:D3}"))
            // four processes of two claimants each (this one and three others), started together at one moment: every
            // stale claim meets several takers within the same millisecond, some before, some after another's takeover
            let start = DateTime.UtcNow.AddSeconds(6.0).Ticks
            let others =
                [ for i in 1 .. 3 ->
                      let psi = Diagnostics.ProcessStartInfo("dotnet", [ Path.Combine(AppContext.BaseDirectory, "Sbp.Tests.dll"); "claim-race"; folder; string start; "2"; string i ],
                                                             RedirectStandardOutput = true, RedirectStandardError = true)
                      let p = Diagnostics.Process.Start psi
                      i, p, p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync() ]
            let here = race folder start 2 0
            // every claimant keeps its claims (and its process) until all have finished
            let watch = Diagnostics.Stopwatch.StartNew()
            let results i = $"{folder}.won-{i}"
            while not (others |> List.forall (fun (i, p, _, _) -> File.Exists(results i) || p.HasExited)) && watch.Elapsed.TotalSeconds < 90.0 do
                Threading.Thread.Sleep 20
            File.WriteAllText($"{folder}.release", "")
            let won =
                [ yield! here
                  for i, p, _, err in others do
                      if not (p.WaitForExit 30_000) then p.Kill()
                      Expect.equal p.ExitCode 0 $"a claimant process: {err.Result}"
                      for line in File.ReadAllLines(results i) do
                          match line.Split('\t') with
                          | [| dir; token |] -> yield dir, token
                          | _ -> () ]
            let owners = won |> List.countBy fst
            let unowned =
                [ for dir in Directory.GetDirectories folder do
                      if not (owners |> List.exists (fst >> (=) dir)) then
                          yield $"{dir}: no owner"
                          for f in Directory.GetFiles dir -> $"{f}: '{File.ReadAllText f}'" ]
            Expect.isEmpty unowned "every stale claim taken over (what is left where none was)"
            Expect.isEmpty (owners |> List.filter (fun (_, n) -> n > 1)) "exactly one owner each"
            for dir, token in won do
                Expect.equal (Claims.readOwner (Claims.claimPath dir) |> Option.map (fun o -> o.Token)) (Some token) "the claim file names its one owner"
            let strays = Directory.GetFiles(folder, "*", SearchOption.AllDirectories) |> Array.filter (fun f -> Path.GetFileName f <> "claim.json")
            Expect.isEmpty strays $"""no tombstone or takeover marker left behind: {String.Join(", ", strays |> Array.truncate 5)}"""

        testCase "a runner that judged a claim stale while another took it over backs off: one owner" <| fun () ->
            use d = new TempDir()
            let dir = Path.Combine(d.Path, "e")
            staleClaim dir
            let first = ref None
            // the second runner has read the stale claim; the first takes it over before the second goes on
            let second = Claims.tryClaimWith (fun () -> if first.Value.IsNone then first.Value <- Some(Claims.tryClaim policy dir)) policy dir
            Expect.isSome first.Value.Value "the first runner took the claim over"
            Expect.isNone second "the second backs off"
            Expect.equal (Claims.readOwner (Claims.claimPath dir) |> Option.map (fun o -> o.Token)) (Some first.Value.Value.Value.Owner.Token) "the claim names the first"
            // the same with the first runner's claim already released: the second claims the free experiment
            (first.Value.Value.Value :> IDisposable).Dispose()
            staleClaim dir
            let released = ref false
            let third =
                Claims.tryClaimWith (fun () ->
                    if not released.Value then
                        released.Value <- true
                        use c = (Claims.tryClaim policy dir).Value
                        ()) policy dir
            Expect.isSome third "claimed anew"
            Expect.equal (Directory.GetFiles dir |> Array.map Path.GetFileName) [| "claim.json" |] "one claim, nothing else"

        testCase "claims released by their owners leave nothing behind; a released experiment can be claimed again" <| fun () ->
            use d = new TempDir()
            let dirs = [ for i in 0 .. 19 -> Path.Combine(d.Path, "g", $"e{i}") ]
            for dir in dirs do staleClaim dir
            let claims = dirs |> List.map (fun dir -> (Claims.tryClaim policy dir).Value)
            for c in claims do (c :> IDisposable).Dispose()
            Expect.isEmpty (Directory.GetFiles(Path.Combine(d.Path, "g"), "*", SearchOption.AllDirectories)) "no claim, tombstone or marker"
            for dir in dirs do
                use again = (Claims.tryClaim policy dir).Value
                Expect.isTrue (File.Exists again.Path) "claimed again"

        testCase "a claim file that is a FIFO never blocks a claimant" <| fun () ->
            if not (OperatingSystem.IsWindows()) then
                use d = new TempDir()
                let dir = Path.Combine(d.Path, "fifo")
                Directory.CreateDirectory dir |> ignore
                let path = Claims.claimPath dir
                use mk = Diagnostics.Process.Start("mkfifo", path)
                mk.WaitForExit()
                let attempt = Task.Run(fun () -> Claims.readOwner path, Claims.tryClaim policy dir)
                if not (attempt.Wait(TimeSpan.FromSeconds 20.0)) then
                    // release the blocked reader before failing
                    Task.Run(fun () -> (use w = File.OpenWrite path in ())) |> ignore
                    failtest "a FIFO named claim.json blocked the claimant"
                let owner, claim = attempt.Result
                Expect.isNone owner "unreadable: not a regular file"
                // no process can own it: once older than a writer needs, it is set aside and the experiment claimed
                Expect.isSome claim "an unreadable claim that never names an owner is taken over, not left forever"
                claim |> Option.iter (fun c -> (c :> IDisposable).Dispose())

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
    
        testCase "the cleanup of stale temporary files does not follow symbolic links" <| fun () ->
            if not (OperatingSystem.IsWindows()) then
                use d = new TempDir()
                let grid = Path.Combine(d.Path, "g")
                let outside = Path.Combine(d.Path, "outside")
                Directory.CreateDirectory(Path.Combine(grid, "id")) |> ignore
                Directory.CreateDirectory outside |> ignore
                let victim = Path.Combine(outside, "run.json.tmp-1-aa")
                let own = Path.Combine(grid, "id", "run.json.tmp-2-bb")
                for f in [ victim; own ] do
                    File.WriteAllText(f, "{}")
                    File.SetLastWriteTimeUtc(f, DateTime.UtcNow - TimeSpan.FromHours 1.0)
                Directory.CreateSymbolicLink(Path.Combine(grid, "linked"), outside) |> ignore
                File.CreateSymbolicLink(Path.Combine(grid, "id", "claim.json.stale-link"), victim) |> ignore
                File.SetLastWriteTimeUtc(Path.Combine(grid, "id", "claim.json.stale-link"), DateTime.UtcNow - TimeSpan.FromHours 1.0)
                Expect.equal (Claims.cleanStale grid (TimeSpan.FromMinutes 1.0)) 1 "only the grid's own stale file"
                Expect.isFalse (File.Exists own) "the grid's own stale file is removed"
                Expect.isTrue (File.Exists victim) "a file in a linked folder is never deleted"
                Directory.CreateSymbolicLink(Path.Combine(d.Path, "linked-grid"), grid) |> ignore
                File.WriteAllText(own, "{}")
                File.SetLastWriteTimeUtc(own, DateTime.UtcNow - TimeSpan.FromHours 1.0)
                Expect.equal (Claims.cleanStale (Path.Combine(d.Path, "linked-grid")) (TimeSpan.FromMinutes 1.0)) 0 "a linked grid folder is left alone"
    ]
