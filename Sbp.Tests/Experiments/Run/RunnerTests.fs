module Sbp.Tests.Experiments.RunnerTests

open System.IO
open Expecto
open Sbp.Experiments
open Sbp.Experiments.SnnConfig
open Sbp.Tests.TestSupport

let private tiny = { defaults with Run.Dataset = DataSets.Mnist10k; Run.Hidden = [ 20 ]; Run.Epochs = 1; Run.TrainSize = Some 100; Run.TestSize = Some 50; Run.CheckInvariants = true }

let private options root = { Runner.defaults root with Live = false; Log = ignore }

let private tinyGrid () =
    Grid.ofSnn [ tiny; { tiny with Rule = SbpBase; Spread = Spread Spread.reference } ] |> Grid.seeds 2 |> Grid.create "t"

[<Tests>]
let tests =
    testSequenced <| testList "Experiments/Runner" [
        testCase "runs a grid, skips finished experiments, and resumes after a crash without duplicates" <| fun () ->
            use d = new TempDir()
            let g = tinyGrid ()
            let first = Runner.run { options d.Path with Command = "dotnet fsi configs/t.fsx -- --parallel 2"; GitCommit = "abc" } g
            Expect.equal (first.Ran, first.Skipped, first.Failed) (4, 0, 0) "first run"
            match Invocations.read (Path.Combine(d.Path, "t")) with
            | Ok [ call ] ->
                Expect.equal (call.Ran, call.Failed, call.Command, call.Commit) (4, 0, "dotnet fsi configs/t.fsx -- --parallel 2", "abc") "the grid's log of calls"
                Expect.isTrue (call.Seconds > 0.0 && call.Seconds <= first.Seconds + 0.1) "its wall time"
            | other -> failtestf "one logged call expected, got %A" other
            let records = Tables.load d.Path "t"
            Expect.equal records.Length 4 "one record per experiment"
            // replicate r of the baseline and of SBP carry one seed: the comparison is paired
            for _, runs in records |> List.map snd |> List.groupBy Tables.replicateOf do
                Expect.equal (runs |> List.map (fun r -> r.Seed) |> List.distinct).Length 1 "one seed per replicate across rules"
                Expect.equal (runs |> List.map (fun r -> r.Config |> List.find (fst >> (=) "rule") |> snd) |> List.distinct).Length 2 "both rules"
            // simulate a crash: one record lost, one half-written temporary file left behind, one record cut short
            let victim = Runner.recordPath d.Path "t" g.Experiments[0]
            let text = File.ReadAllText victim
            File.Delete victim
            File.WriteAllText(victim + ".tmp-999-abc", text.Substring(0, text.Length / 2))
            let cut = Runner.recordPath d.Path "t" g.Experiments[1]
            File.WriteAllText(cut, (File.ReadAllText cut).Substring(0, 100))
            Expect.isFalse (Runner.isFinished cut) "a cut record is not finished"
            let second = Runner.run (options d.Path) g
            Expect.equal (second.Ran, second.Skipped) (2, 2) "reruns exactly the two unfinished"
            Expect.equal (Invocations.read (Path.Combine(d.Path, "t")) |> Result.map (List.map (fun c -> c.Ran))) (Ok [ 4; 2 ]) "each call that trained is logged"
            Runner.run (options d.Path) g |> ignore
            Expect.equal (Invocations.read (Path.Combine(d.Path, "t")) |> Result.map List.length) (Ok 2) "a call that trained nothing is not"
            let again = Tables.load d.Path "t" |> List.map snd
            Expect.equal again.Length 4 "still one record per experiment"
            let byId = again |> List.map (fun r -> r.Config |> List.find (fst >> (=) "experimentId") |> snd)
            Expect.equal (List.distinct byId).Length 4 "no duplicates"

        testCase "the same grid gives identical tables, whether run in parallel or one at a time" <| fun () ->
            use a = new TempDir()
            use b = new TempDir()
            let g = tinyGrid ()
            Runner.run { options a.Path with Parallel = 2 } g |> ignore
            Runner.run { options b.Path with Parallel = 1 } g |> ignore
            let strip (t: Tables.Table) = t.Rows |> List.map (fun r -> r |> List.take 5)
            let ta = Tables.summary (Tables.groups (Tables.load a.Path "t" |> List.map snd))
            let tb = Tables.summary (Tables.groups (Tables.load b.Path "t" |> List.map snd))
            Expect.equal (strip ta) (strip tb) "accuracies identical (timings aside)"
            let md, gs = Tables.write a.Path "t" None
            Expect.stringContains md "Each rule against its baseline" "pairs table"
            let plots = Plots.write a.Path "t" None gs
            Expect.isTrue (plots |> List.forall (fun p -> FileInfo(p).Length > 1000L)) "plots written"

        testCase "weight and raster figures come from the first replicate's artifacts; without them the figure drawn before stays" <| fun () ->
            use a = new TempDir()
            let g = tinyGrid ()
            Runner.run (options a.Path) g |> ignore
            let md, gs = Tables.write a.Path "t" None
            let plots = Path.Combine(a.Path, "t", "plots")
            let drawn = Plots.write a.Path "t" None gs |> List.map Path.GetFileName |> List.filter (fun n -> n.StartsWith "weights-" || n.StartsWith "raster-")
            Expect.isTrue (drawn |> List.exists (fun n -> n.StartsWith "weights-")) "weights drawn from the artifacts"
            Expect.isTrue (drawn |> List.exists (fun n -> n.StartsWith "raster-")) "a raster drawn from the artifacts"
            let before = [ for n in drawn -> n, File.ReadAllBytes(Path.Combine(plots, n)) ]
            // a clone: the records and the committed figures, no artifacts (git ignores them); and a stale figure
            for f in Directory.GetFiles(Path.Combine(a.Path, "t"), "artifacts.json", SearchOption.AllDirectories) do File.Delete f
            File.WriteAllText(Path.Combine(plots, "stale.png"), "not a figure of this grid")
            let again = Plots.write a.Path "t" None gs |> List.map Path.GetFileName
            Expect.containsAll again drawn "the weight and raster figures are still listed"
            Expect.equal (List.distinct again).Length again.Length "each listed once"
            for n, bytes in before do Expect.equal (File.ReadAllBytes(Path.Combine(plots, n))) bytes $"{n} kept as drawn"
            Expect.isFalse (File.Exists(Path.Combine(plots, "stale.png"))) "any other earlier figure is removed"
            ignore md

        testCase "an invariant violation stops that experiment with a failed record; the others finish" <| fun () ->
            use d = new TempDir()
            let bad = { tiny with LearningRates = Some [ 1e38f; 1e38f ] }
            let g = Grid.create "f" (Grid.ofSnn [ tiny; bad ])
            let s = Runner.run (options d.Path) g
            Expect.equal (s.Ran, s.Failed) (2, 1) "one failed"
            let records = Tables.load d.Path "f" |> List.map snd
            Expect.equal (records |> List.filter (fun r -> r.Status = RunRecord.Completed)).Length 1 "the other completed"
    ]
