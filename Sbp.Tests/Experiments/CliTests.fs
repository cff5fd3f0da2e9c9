module Sbp.Tests.Experiments.CliTests

open System
open System.Diagnostics
open System.IO
open Expecto
open Sbp.Tests.TestSupport

/// Runs the built CLI (sbp.dll beside the tests) as a separate process; returns (exit code, stdout, stderr).
let sbp (args: string list) =
    let psi = ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "sbp.dll") :: args,
                               RedirectStandardOutput = true, RedirectStandardError = true,
                               WorkingDirectory = Path.GetTempPath())
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

[<Tests>]
let tests =
    testList "Experiments/CLI" [
        testCase "data info prints the real figures: mnist 60,000 / 10,000, mnist-10k 8,000 / 2,000" <| fun () ->
            let code, out, _ = sbp [ "data"; "info"; "mnist" ]
            Expect.equal code 0 "exit code"
            Expect.stringContains out "60000 samples" "train size"
            Expect.stringContains out "10000 samples" "test size"
            let code, out, _ = sbp [ "data"; "info"; "mnist-10k" ]
            Expect.equal code 0 "exit code"
            Expect.stringContains out "8000 samples" "train size"
            Expect.stringContains out "2000 samples" "test size"

        testCase "a folder where a file should be is one line naming it, exit 1" <| fun () ->
            use d = new TempDir()
            Directory.CreateDirectory(d.File "nettalk.data") |> ignore
            File.WriteAllText(d.File "nettalk.list", "(CAT)")
            let code, _, err = sbp [ "data"; "info"; "nettalk"; "--nettalk-dir"; d.Path ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "nettalk.data: is a folder; expected a file" "folder named"
            Expect.equal (err.Trim().Split('\n').Length) 1 "one line"

        testCase "an unknown data set is one line on stderr and exit 1" <| fun () ->
            let code, _, err = sbp [ "data"; "info"; "cifar" ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "unknown data set 'cifar'" "message"
            Expect.equal (err.Trim().Split('\n').Length) 1 "one line"

        testCase "a corrupt NETtalk corpus is named with its line, exit 1" <| fun () ->
            use d = new TempDir()
            File.WriteAllLines(d.File "nettalk.data", [ "cat\tk@t\t1<<\t0"; "dog\tdcg\t1<\t0" ])
            File.WriteAllText(d.File "nettalk.list", "(CAT)")
            let code, _, err = sbp [ "data"; "info"; "nettalk"; "--nettalk-dir"; d.Path ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "line 2" "line named"
            Expect.stringContains err "nettalk.data" "file named"

        testCase "train writes a run record with one entry per epoch" <| fun () ->
            use d = new TempDir()
            let code, out, err = sbp [ "train"; "snn"; "--rule"; "sbp"; "--dataset"; "mnist-10k"; "--hidden"; "30"; "--epochs"; "2"; "--train-size"; "200"; "--test-size"; "100"; "--out"; d.Path; "--quiet" ]
            Expect.equal code 0 $"exit code ({err})"
            Expect.stringContains out "epoch   2" "one line per epoch"
            let r = Sbp.Experiments.RunRecord.read (d.File "run.json")
            Expect.equal r.Epochs.Length 2 "epochs"
            Expect.equal (r.Dataset.TrainSize, r.Dataset.TestSize) (200, 100) "sizes"
            Expect.equal r.Seed 100UL "default seed"
            Expect.equal r.Status Sbp.Experiments.RunRecord.Completed "status"
            Expect.isTrue (r.Config |> List.contains ("rule", Sbp.Experiments.RunRecord.Text "sbp")) "rule recorded"
            Expect.isGreaterThan r.Epochs.Head.SynapticOps 0L "operations counted"
            Expect.isTrue (r.Config |> List.contains ("batchSize", Sbp.Experiments.RunRecord.Int 50L)) "the task's batch recorded"
            // the same command again refuses to replace the record; --force replaces it
            let code, _, err = sbp [ "train"; "snn"; "--rule"; "sbp"; "--dataset"; "mnist-10k"; "--hidden"; "30"; "--epochs"; "2"; "--train-size"; "200"; "--test-size"; "100"; "--out"; d.Path; "--quiet" ]
            Expect.equal code 1 "refused"
            Expect.stringContains err "--force" "names the way out"

        testCase "a bad training configuration is one line and exit 1, before any data is loaded" <| fun () ->
            let code, _, err = sbp [ "train"; "snn"; "--dt"; "5"; "--epochs"; "1" ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "dt (5 ms)" "reason"
            let code, _, err = sbp [ "train"; "snn"; "--rule"; "hebbian" ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "'--rule' must be followed by <symmetric|differential|sbp-base|stdp-window|sbp>" "reason"
            Expect.equal (err.Trim().Split('\n').Length) 1 "one line"

        testCase "an option the rule does not have is refused with the reason, in one line" <| fun () ->
            for args, reason in
                [ [ "train"; "snn"; "--rule"; "symmetric"; "--depth"; "3" ], "--depth sets the SBP spread, which the rule symmetric does not have"
                  [ "train"; "snn"; "--rule"; "sbp"; "--stdp-window"; "5"; "5" ], "only the stdp-window rule has"
                  [ "train"; "eqprop"; "--theta"; "0.3" ], "which the rule eqprop does not use"
                  [ "train"; "smlp"; "--replace"; "0.5" ], "which backprop does not have"
                  [ "train"; "snn"; "--epochs"; "0" ], "epochs must be ≥ 1" ] do
                let code, _, err = sbp args
                Expect.equal code 1 $"exit code of {args}"
                Expect.stringContains err reason $"reason of {args}"
                Expect.equal (err.Trim().Split('\n').Length) 1 $"one line for {args}"

        testCase "a mistyped verb or option suggests the nearest" <| fun () ->
            let code, _, err = sbp [ "trian" ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "Did you mean 'train'" "verb"
            let code, _, err = sbp [ "train"; "snn"; "--dept"; "2" ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "Did you mean '--depth'" "option"
            let code, out, _ = sbp [ "train"; "eqprop"; "--help" ]
            Expect.equal code 0 "help exits 0"
            Expect.stringContains out "NETtalk and DVS 1" "the per-task defaults are in the help"

        testCase "a sweep with an unknown key lists the valid ones" <| fun () ->
            let code, _, err = sbp [ "sweep"; "snn"; "--vary"; "sbp.dpth=0,1"; "--name"; "x" ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "valid keys:" "lists keys"
            Expect.stringContains err "sbp.depth" "names the right one"

        testCase "a missing data set names how to provide it" <| fun () ->
            let code, _, err = sbp [ "data"; "info"; "dvs" ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "--dvs-dir" "how to provide it"
    
        testCase "table and sweep refuse a grid name or folder outside the results folder: one line naming the option, exit 1, nothing written" <| fun () ->
            use d = new TempDir()
            let results = d.File "results"
            Directory.CreateDirectory results |> ignore
            let outside = d.File "outside"
            Directory.CreateDirectory(Path.Combine(outside, "plots")) |> ignore
            File.WriteAllText(Path.Combine(outside, "pairs.md"), "keep")
            File.WriteAllText(Path.Combine(outside, "plots", "keep.png"), "keep")
            let refused (args: string list) (expected: string) =
                let code, _, err = sbp (args @ [ "--results"; results ])
                Expect.equal code 1 $"exit code of {args}"
                Expect.stringContains err expected $"the reason of {args}"
                Expect.equal (err.Trim().Split('\n').Length) 1 $"one line for {args}"
            refused [ "table"; "../outside" ] "table <grid> expects a grid name, one folder name inside the results folder"
            refused [ "table"; ".." ] "table <grid> expects a grid name"
            refused [ "sweep"; "snn"; "--set"; "epochs=1"; "--name"; ".." ] "--name expects a grid name, one folder name inside the results folder"
            refused [ "sweep"; "snn"; "--set"; "epochs=1"; "--name"; "." ] "--name expects a grid name"
            if not (OperatingSystem.IsWindows()) then
                Directory.CreateSymbolicLink(Path.Combine(results, "linked"), outside) |> ignore
                refused [ "table"; "linked" ] "is a symbolic link; a grid's folders must lie inside the results folder"
            Expect.equal (File.ReadAllText(Path.Combine(outside, "pairs.md"))) "keep" "pairs.md outside kept"
            Expect.isTrue (File.Exists(Path.Combine(outside, "plots", "keep.png"))) "plots outside kept"
            Expect.isEmpty (Directory.GetFiles(outside, "table.*")) "no table written outside"
            Expect.isEmpty (Directory.GetFiles(d.Path, "table.*")) "nor into the parent of the results folder"
            Expect.isEmpty (Directory.GetFiles(results, "*", SearchOption.TopDirectoryOnly)) "nor into the results folder itself"
    ]
