module Sbp.Tests.Experiments.CliTests

open System
open System.Diagnostics
open System.IO
open Expecto
open Sbp.Experiments
open Sbp.Tests.TestSupport


/// The run record the runner writes for an experiment of a grid, with the given test-accuracy curve.
let private recordOf (grid: string) (e: Experiment.Experiment) (curve: float list) : RunRecord.Record =
    { Config =
        Experiment.runConfig e
        @ [ "layers", RunRecord.Items [ RunRecord.Int 784L; RunRecord.Int 500L; RunRecord.Int 10L ]; "grid", RunRecord.Text grid
            "experimentId", RunRecord.Text(Experiment.id e)
            "replicate", (match e.Seed with Experiment.Replicate r -> RunRecord.Int(int64 r) | Experiment.Given -> RunRecord.Text "given") ]
      Seed = Experiment.seed e
      Dataset = { Name = "mnist"; TrainSize = 10_000; TestSize = 2_000; Provenance = "written by the test" }
      Epochs =
        curve
        |> List.mapi (fun i acc ->
            { RunRecord.TrainAccuracy = acc; Epoch = i + 1; TestAccuracy = acc; TrainError = 1.0 - acc; TestError = 1.0 - acc
              Seconds = 1.0; SynapticOps = 1_000_000L; Extra = [] })
      Status = RunRecord.Completed
      GitCommit = "test" }

/// The main job's grid with every record already written (symmetric STDP rising to 84.x%, SBP one point above), so
/// that `sbp reproduce` trains nothing and shows its tables and closing lines at once.
let private writeReproduceRecords (root: string) (seeds: int) =
    let grid = Sbp.Experiments.Program.reproduceGrid Sbp.Experiments.DataSets.Mnist 5 seeds
    for e in grid.Experiments do
        let sbp = Sbp.Experiments.Experiment.label e |> fun l -> l.Contains " sbp "
        let r = match e.Seed with Experiment.Replicate r -> float r | Experiment.Given -> 0.0
        let top = 0.84 + 0.001 * r + (if sbp then 0.0105 + 0.0005 * r else 0.0)
        let curve = [ for i in 1 .. 5 -> top - 0.01 * float (5 - i) ]
        RunRecord.write (Path.Combine(root, grid.Name, Experiment.id e, "run.json")) (recordOf grid.Name e curve)

/// The lines of a text.
let private lines (text: string) = text.Replace("\r", "").Split('\n') |> List.ofArray

/// What `sbp <args>` parses to, built as the program builds it (a `train` line's experiment).
let private trained (args: string list) =
    match (Sbp.Experiments.Cli.parse (Array.ofList args)).GetSubCommand() with
    | Sbp.Experiments.Cli.SbpArgs.Train t -> Sbp.Experiments.Program.trainExperiment t
    | _ -> failtest "not a train line"

/// The grid `sbp sweep <args>` describes.
let private swept (args: string list) =
    match (Sbp.Experiments.Cli.parse (Array.ofList ("sweep" :: args))).GetSubCommand() with
    | Sbp.Experiments.Cli.SbpArgs.Sweep w -> Sbp.Experiments.Program.sweepOf w
    | _ -> failtest "not a sweep line"

/// The usage text of `sbp train <family> --help`.
let private trainHelp (family: string) =
    try
        Sbp.Experiments.Cli.parse [| "train"; family; "--help" |] |> ignore
        failtest "--help raises its text"
    with :? Argu.ArguParseException as e -> e.Message

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
            let epochs = lines out |> List.filter (fun l -> l.StartsWith "epoch ")
            Expect.equal epochs.Length 2 "two epoch lines"
            for l in epochs do
                Expect.isTrue (Text.RegularExpressions.Regex.IsMatch(l, @"train +\d+\.\d\d%  test +\d+\.\d\d%")) $"accuracies in %% as the tables show them: {l}"
                Expect.isFalse (Text.RegularExpressions.Regex.IsMatch(l, @"\b0\.\d{4}\b")) $"no fractions: {l}"
                Expect.isLessThanOrEqual l.Length 80 $"at most 80 columns: {l}"
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
            Expect.stringContains err "--rule: no rule 'hebbian'; expected one of symmetric, differential, sbp-base, stdp-window, sbp, symmetric-decay" "reason"
            Expect.equal (err.Trim().Split('\n').Length) 1 "one line"

        testCase "an option the rule does not have is refused with the reason, in one line" <| fun () ->
            for args, reason in
                [ [ "train"; "snn"; "--rule"; "symmetric"; "--depth"; "3" ], "--sbp-depth sets the SBP spread, which the rule symmetric does not have"
                  [ "train"; "snn"; "--rule"; "symmetric"; "--sbp-depth"; "3" ], "--sbp-depth sets the SBP spread, which the rule symmetric does not have"
                  [ "train"; "eqprop"; "--sbp-fraction"; "0.5" ], "--sbp-fraction sets the SBP spread, which the rule eqprop does not have (use --rule sbp)"
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
            let code, _, err = sbp [ "train"; "snn"; "--sbp-dept"; "2" ]
            Expect.equal code 1 "exit code"
            Expect.stringContains err "Did you mean '--sbp-depth'" "option"
            // a right word in the wrong place is not "misspelt as itself"
            let code, _, err = sbp [ "data"; "info"; "--dataset"; "mnist" ]
            Expect.equal code 1 "exit code"
            Expect.isFalse (err.Contains "Did you mean 'mnist'") err
            Expect.stringContains err "not expected at that place" err
            let code, out, _ = sbp [ "train"; "eqprop"; "--help" ]
            Expect.equal code 0 "help exits 0"
            Expect.stringContains out "NETtalk and DVS 1" "the per-task defaults are in the help"

        testCase "a sweep key with a typo gets the nearest key and the valid ones, in one line, for --vary, --set and --compare" <| fun () ->
            for args, nearest in
                [ [ "--vary"; "sbp.dpth=0,1" ], "sbp.depth"
                  [ "--set"; "rule=sbp"; "--set"; "sbp.fractoin=0.5" ], "sbp.fraction"
                  [ "--set"; "epoch=2" ], "epochs"
                  [ "--set"; "rule=sbp"; "--vary"; "sbp.depth=0,1"; "--compare"; "sbp-dept" ], "sbp.depth" ] do
                let code, _, err = sbp ([ "sweep"; "snn" ] @ args @ [ "--name"; "x" ])
                Expect.equal code 1 $"exit code of {args}"
                Expect.stringContains err $"Did you mean '{nearest}'?" $"the nearest key for {args}"
                // the family's keys in its schema's order
                Expect.stringContains err "valid keys: rule, rule.lambda, dataset, hidden, epochs" $"the valid keys for {args}"
                Expect.equal (err.Trim().Split('\n').Length) 1 $"one line for {args}"
            let code, _, err = sbp [ "sweep"; "snn"; "--vary"; "zzzzzz=1"; "--name"; "x" ]
            Expect.equal code 1 "exit code"
            Expect.isFalse (err.Contains "Did you mean") "no suggestion for a word near no key"

        testCase "one name per parameter: the spread's train options are its sweep keys (--sbp-depth is sbp.depth), same ids" <| fun () ->
            // the train option and the sweep key (either spelling) give the same experiment, the older option too
            let byOption = trained [ "train"; "snn"; "--rule"; "sbp"; "--sbp-depth"; "2"; "--sbp-fraction"; "0.5"; "--epochs"; "3" ]
            let byOldOption = trained [ "train"; "snn"; "--rule"; "sbp"; "--depth"; "2"; "--fraction"; "0.5"; "--epochs"; "3" ]
            let byKey = swept [ "snn"; "--set"; "rule=sbp"; "--set"; "sbp.depth=2"; "--set"; "sbp.fraction=0.5"; "--set"; "epochs=3"; "--name"; "x" ]
            let byDashedKey = swept [ "snn"; "--set"; "rule=sbp"; "--set"; "sbp-depth=2"; "--set"; "sbp-fraction=0.5"; "--set"; "epochs=3"; "--name"; "x" ]
            Expect.equal (Experiment.id byOldOption) (Experiment.id byOption) "--depth is --sbp-depth"
            Expect.equal (Experiment.id byKey.Experiments.Head) (Experiment.id byOption) "sbp.depth is --sbp-depth"
            Expect.equal (Experiment.id byDashedKey.Experiments.Head) (Experiment.id byOption) "sbp-depth is sbp.depth"
            // ids do not depend on the names: the committed reference run keeps its id
            Expect.equal (Experiment.id (trained [ "train"; "snn"; "--rule"; "sbp" ])) (Experiment.id (SnnConfig.experiment SnnConfig.paperSbp)) "the paper's SBP run"
            // every sweep key of every family is a train option of that family under the same name ("." written "-"),
            // except those whose option takes the values together, and the spread keys the spiking MLP's operator
            // takes from the sweep only; a catalogue rule's parameter key rule.NAME is --rule-parameter NAME
            let together = Map [ "sbp.lambda-pre", "--sbp-lambda"; "sbp.lambda-post", "--sbp-lambda"; "sbp.lambda-bp", "--sbp-lambda"; "sbp.range", "--sbp-top-fraction" ]
            let sweepOnly = set [ "smlp", "sbp.lambda-pre"; "smlp", "sbp.lambda-post"; "smlp", "sbp.lambda-bp"; "smlp", "sbp.range" ]
            for f in Families.all do
                let help = trainHelp f.Name
                for key, _ in f.Keys do
                    let option =
                        if key.StartsWith "rule." then "--rule-parameter"
                        else together.TryFind key |> Option.defaultValue ("--" + key.Replace('.', '-'))
                    if not (sweepOnly.Contains(f.Name, key)) then
                        Expect.isTrue (Text.RegularExpressions.Regex.IsMatch(help, Text.RegularExpressions.Regex.Escape option + @"\b(?!-)")) $"sbp train {f.Name} has {option} for the sweep key {key}"

        testCase "a bare sbp prints the usage; a verb without its subcommand names the choices" <| fun () ->
            let code, out, err = sbp []
            Expect.equal code 0 $"exit code ({err})"
            for verb in [ "reproduce"; "train"; "sweep"; "report"; "data" ] do Expect.stringContains out verb $"the usage names {verb}"
            Expect.stringContains out "USAGE: sbp" "Argu's usage"
            let code, _, err = sbp [ "train" ]
            Expect.equal code 1 "train alone"
            Expect.stringContains err "sbp train needs one of snn, eqprop, smlp" "the families"
            Expect.equal (err.Trim().Split('\n').Length) 1 "one line"
            let code, _, err = sbp [ "data" ]
            Expect.equal code 1 "data alone"
            Expect.stringContains err "sbp data needs one of fetch, info" "the subcommands"

        testCase "train prints each epoch in % and within 80 columns, NETtalk with its phoneme accuracy" <| fun () ->
            use d = new TempDir()
            let code, out, err = sbp [ "train"; "snn"; "--dataset"; "nettalk"; "--hidden"; "20"; "--epochs"; "2"; "--train-size"; "60"; "--test-size"; "40"; "--out"; d.Path; "--quiet" ]
            Expect.equal code 0 $"exit code ({err})"
            Expect.stringContains out "mean cosine similarity of output and target, in %" "what the numbers are"
            let epochs = lines out |> List.filter (fun l -> l.StartsWith "epoch ")
            Expect.equal epochs.Length 2 "two epoch lines"
            for l in epochs do
                Expect.stringContains l "phonemes" $"the phoneme accuracy: {l}"
                Expect.isLessThanOrEqual l.Length 80 $"at most 80 columns: {l}"
            // the widest values a line can hold still fit
            let widest: RunRecord.Epoch =
                { Epoch = 999; TrainAccuracy = 1.0; TestAccuracy = 1.0; TrainError = 0.0; TestError = 0.0
                  Seconds = 99_999.9; SynapticOps = Int64.MaxValue; Extra = [ "testPhonemeAccuracy", 1.0 ] }
            let line = Program.epochLine widest
            Expect.isLessThanOrEqual line.Length 80 $"the widest line: {line}"
            Expect.stringContains line "test 100.00%" "a percentage"

        testCase "the main job ends in a table under 100 columns and three sentences: result beside the paper, scale, how sure" <| fun () ->
            use d = new TempDir()
            writeReproduceRecords d.Path 3
            let code, out, err = sbp [ "reproduce"; "--results"; d.Path ]
            Expect.equal code 0 $"exit code ({err})"
            let all = lines (out.TrimEnd())
            Expect.stringContains out "0 to run" "nothing trained: the records are there"
            for l in all do Expect.isLessThanOrEqual l.Length 100 $"at most 100 columns: {l}"
            let table = all |> List.filter (fun l -> l.StartsWith "|")
            Expect.equal table.Length 4 "the main job's own table: header, rule, two rules"
            Expect.stringContains table[3] "+1.10 [" "SBP's paired difference with its interval"
            Expect.isFalse (out.Contains "paper: 1 − min mean error") "the wide tables go to files only"
            Expect.isTrue (File.Exists(Path.Combine(d.Path, "reproduce", "pairs.md"))) "the full tables are written"
            let last = all |> List.rev |> List.take 3 |> List.rev
            Expect.stringContains last[0] "symmetric STDP 84.10% → SBP 85.20% (+1.10 points)" $"the result: {last[0]}"
            Expect.stringContains last[0] "the paper: 93.67% → 95.14%" $"beside the paper's: {last[0]}"
            Expect.stringContains last[1] "the first 10,000 / 2,000 images, 5 epochs, a quick check" $"the scale: {last[1]}"
            Expect.stringContains last[1] "full MNIST, 100 epochs" $"the paper's protocol: {last[1]}"
            Expect.stringContains last[2] "3 pairs of runs, a first reading, not a result" $"how sure: {last[2]}"
            Expect.stringContains last[2] "results/REPORT.md" $"where the full answer is: {last[2]}"
            // with 5 pairs the reading is no longer a first one
            use d5 = new TempDir()
            writeReproduceRecords d5.Path 5
            let code, out, err = sbp [ "reproduce"; "--results"; d5.Path; "--seeds"; "5" ]
            Expect.equal code 0 $"exit code ({err})"
            let last = lines (out.TrimEnd()) |> List.last
            Expect.stringContains last "5 pairs of runs" $"5 pairs: {last}"
            Expect.isFalse (out.Contains "first reading") "5 pairs are not a first reading"

        testCase "sweeps and grid scripts say how sure: fewer than 5 pairs is a first reading" <| fun () ->
            let group: Tables.Group = { Key = []; Runs = []; Experiment = Error "test" }
            let pairs n : Tables.Pair = { Rule = group; Baseline = group; Pairs = List.replicate n { Tables.PairMeasure.Delta = 0.01; Reduction = 0.0; BaseEpochs = 1.0; RuleEpochs = 1.0; OpsReduction = None }; Runs = [] }
            Expect.equal (Script.readingLine []) None "no comparison, no line"
            Expect.stringContains (Script.readingLine [ pairs 3 ]).Value "3 pairs of runs in each comparison: a first reading" "3 pairs"
            Expect.stringContains (Script.readingLine [ pairs 1; pairs 5 ]).Value "1 pair of runs in the smallest comparison: a first reading" "the fewest count"
            Expect.isFalse ((Script.readingLine [ pairs 5; pairs 6 ]).Value.Contains "first reading") "5 pairs"
            // a real sweep prints it
            use d = new TempDir()
            let code, out, err =
                sbp [ "sweep"; "snn"; "--set"; "dataset=mnist-10k"; "--set"; "epochs=1"; "--set"; "train-size=100"; "--set"; "test-size=50"
                      "--set"; "hidden=10"; "--vary"; "rule=symmetric,sbp"; "--seeds"; "2"; "--name"; "s"; "--results"; d.Path; "--parallel"; "1" ]
            Expect.equal code 0 $"exit code ({err})"
            Expect.stringContains out "How sure: 2 pairs of runs in each comparison: a first reading, not a result" "the sweep's last line"

        testCase "the live display sizes its bar to the terminal and starts its time left from the first report" <| fun () ->
            Expect.equal (LiveDisplay.layout 80) (16, 47) "80 columns: a bar of 16, the label the rest"
            let bar, label = LiveDisplay.layout 140
            Expect.isGreaterThan bar 16 "140 columns: a wider bar"
            Expect.equal (bar + label + 17) 140 "the line fills the terminal"
            Expect.isLessThanOrEqual (let b, l = LiveDisplay.layout 40 in b + l + 17) 50 "a narrow terminal keeps a readable label"
            // 30 s of loading and compiling before the first batch: not progress time
            Expect.equal (LiveDisplay.estimate (Some(30.0, 0.001)) 30.5 0.002) None "no estimate after a batch or two"
            let t = (LiveDisplay.estimate (Some(30.0, 0.001)) 40.0 0.101).Value.TotalSeconds
            Expect.floatClose Accuracy.medium t 89.9 "the rate since the first report: 0.1 in 10 s, 0.899 left"
            Expect.equal (LiveDisplay.estimate None 100.0 0.5) None "nothing reported yet"
            Expect.equal (LiveDisplay.clock (TimeSpan.FromHours 30.5)) "30:30:00" "hours beyond a day"

        testCase "the test command's last line counts passed, failed and then ignored tests" <| fun () ->
            let psi = ProcessStartInfo("dotnet", [ Path.Combine(AppContext.BaseDirectory, "Sbp.Tests.dll"); "--filter-test-case"; "an unknown data set is one line" ],
                                       RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath())
            use p = Process.Start psi
            let out = p.StandardOutput.ReadToEndAsync()
            p.StandardError.ReadToEnd() |> ignore
            p.WaitForExit()
            Expect.equal p.ExitCode 0 "one passing test"
            Expect.equal (lines (out.Result.TrimEnd()) |> List.last) "1 passed, 0 failed, 0 ignored" "N passed, N failed first (what CI counts), then the ignored"

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
