module Sbp.Tests.Experiments.FaultTests

open System
open System.IO
open System.Threading
open System.Text.Json.Nodes
open System.Threading.Tasks
open Expecto
open Sbp.Experiments
open Sbp.Experiments.RunRecord
open Sbp.Tests.TestSupport

let private tinySnn = { SnnConfig.defaults with Run.Dataset = DataSets.Mnist10k; Run.Hidden = [ 20 ]; Run.Epochs = 2; Run.TrainSize = Some 100; Run.TestSize = Some 50 }
let private tinyEqProp = { EqPropConfig.defaults with Run.Dataset = DataSets.Mnist10k; Run.Hidden = [ 20 ]; Run.Epochs = 2; Run.TrainSize = Some 100; Run.TestSize = Some 50 }
let private tinySmlp = { SmlpConfig.defaults with Run.Dataset = DataSets.Mnist10k; Run.Hidden = [ 20 ]; Run.Epochs = 2; Run.TrainSize = Some 100; Run.TestSize = Some 50 }

let private options root = { Runner.defaults root with Live = false; Log = ignore; Parallel = 2 }

let private temporaries (dir: string) =
    if Directory.Exists dir then Directory.GetFiles(dir, "*.tmp*", SearchOption.AllDirectories) else [||]

let private twoSnn () = Grid.ofSnn [ tinySnn; { tinySnn with Rule = SnnConfig.SbpBase; Spread = SnnConfig.Spread Spread.reference } ]

/// A record of grid `grid` as JSON text, changed by `edit`, written back.
let private editRecord (path: string) (edit: string -> string) = File.WriteAllText(path, edit (File.ReadAllText path))

/// The record the runner writes for experiment `e` of grid `grid`, made here without training: its configuration
/// with the runner's keys, its seed, its data set's sizes and `epochs` completed epochs.
let private recordFor (grid: string) (e: Experiment.Experiment) (epochs: int) =
    let task, train, test = Experiment.data e
    let n, m = Records.expectedSizes task train test
    { Config =
        Experiment.runConfig e
        @ [ "layers", Items [ Int 784L; Int 20L; Int 10L ]; "grid", Text grid; "experimentId", Text(Experiment.id e)
            "replicate", (match e.Seed with Experiment.Replicate r -> Int(int64 r) | Experiment.Given -> Text "given") ]
      Seed = Experiment.seed e
      Dataset = { Name = DataSets.nameOf task; TrainSize = n.Value; TestSize = m.Value; Provenance = "made by the test" }
      Epochs =
        [ for i in 1 .. epochs ->
              let acc = 0.1 * float i
              { Epoch = i; TrainAccuracy = acc; TestAccuracy = acc; TrainError = 1.0 - acc; TestError = 1.0 - acc; Seconds = 0.1; SynapticOps = 10L; Extra = [] } ]
      Status = Completed
      GitCommit = "test" }

/// Runs `f` on another thread and fails (instead of hanging) when it does not return within `seconds`; `release`
/// then unblocks what it may be stuck on.
let private within (seconds: float) (release: unit -> unit) (f: unit -> 'a) =
    let t = Task.Run(fun () -> f ())
    if t.Wait(TimeSpan.FromSeconds seconds) then t.Result
    else
        release ()
        failtestf "blocked for %.0f s" seconds

/// Makes a FIFO (named pipe) at `path`.
let private mkfifo (path: string) =
    use p = Diagnostics.Process.Start("mkfifo", path)
    p.WaitForExit()
    if p.ExitCode <> 0 then failtestf "mkfifo %s failed" path

/// Unblocks a reader stuck opening the FIFO `path` (a writer opens it).
let private openWriter (path: string) () = Task.Run(fun () -> (use w = File.OpenWrite path in ())) |> ignore

/// A model that trains nothing and goes bad at a chosen batch: its output state turns NaN, or its energy explodes.
type private Faulty(badOutputAt: int option, energy: float, extras: (string * float) list) =
    let output = Sbp.Core.Numerics.Matrix(50, 10)
    let mutable batches = 0
    new(badOutputAt, energy) = Faulty(badOutputAt, energy, [])
    interface Training.ITrainable with
        member _.Train(_, _, _, _) =
            batches <- batches + 1
            if Some batches = badOutputAt then output.Data[7] <- nanf
        member _.Infer(_, _, _, _) = ()
        member _.Output = output
        member _.SynapticOps = 0L
        member _.ResetCounters() = ()
        member _.BeginEpoch _ = ()
        member _.Energy() = energy
        member _.EpochExtras _ = extras
        member _.State() = []

[<Tests>]
let tests =
    testSequenced <| testList "Experiments/Faults" [
        testCase "the epoch loop itself stops a run whose output state or energy diverges, naming quantity, batch and epoch" <| fun () ->
            let split = DataSets.load { DataSets.defaultLoad with TrainSize = Some 200; TestSize = Some 50 } DataSets.Mnist10k
            let run (m: Training.ITrainable) =
                let o = Training.trainEpochs m Training.Classification split DataSets.ShuffledEachEpoch 3 50 1UL CancellationToken.None ignore
                o.Epochs, o.Status
            let epochs, status = run (Faulty(Some 6, 0.5))
            Expect.equal epochs.Length 1 "the first epoch finished"
            Expect.equal status (Failed "epoch 2: training diverged: non-finite values in the output layer's state (training batch 2, 50x10)") "output state"
            let epochs, status = run (Faulty(None, -8.7e30))
            Expect.isEmpty epochs "no epoch finished"
            Expect.equal status (Failed "epoch 1: training diverged: an exploding value (-8.7E+30, beyond ±1000000000000) in the energy (test batch 1)") "energy"
            let _, status = run (Faulty(None, nan))
            Expect.equal status (Failed "epoch 1: training diverged: a non-finite value in the energy (test batch 1)") "NaN energy"
            // counts grow with data and network size, not with divergence: only a non-finite count stops a run
            let _, status = run (Faulty(None, 0.5, [ "hiddenBackpropOps", 3e13; "replaced", 2e12 ]))
            Expect.equal status Completed "large operation counts are not a divergence"
            let _, status = run (Faulty(None, 0.5, [ "replacementOps", infinity ]))
            Expect.equal status (Failed "epoch 1: training diverged: a non-finite value in the epoch's replacementOps") "a non-finite count"
            let _, status = run (Faulty(None, 0.5, [ "trainMseCost2", 3e13 ]))
            Expect.stringContains (match status with Failed why -> why | Completed -> "") "exploding" "other figures are checked for magnitude"
            use cts = new CancellationTokenSource()
            cts.Cancel()
            throwsOf<OperationCanceledException> (fun () -> Training.trainEpochs (Faulty(None, 0.5)) Training.Classification split DataSets.ShuffledEachEpoch 3 50 1UL cts.Token ignore |> ignore) "cancelled" |> ignore

        testCase "each model diverging with an absurd learning rate ends with a failed record naming quantity, layer and epoch" <| fun () ->
            use d = new TempDir()
            let experiments =
                [ yield! Grid.ofSnn [ { tinySnn with LearningRates = Some [ 1e6f; 1e6f ] } ]
                  yield! Grid.ofEqProp [ { tinyEqProp with LearningRates = Some [ 1e6f; 1e6f ] } ]
                  yield! Grid.ofSmlp [ { tinySmlp with LearningRate = Some 1e6f } ]
                  yield! Grid.ofSnn [ tinySnn ] ]
            let g = Grid.create "div" experiments
            let s = Runner.run (options d.Path) g
            Expect.equal (s.Ran, s.Failed, s.Failures.Length) (4, 3, 3) "three diverged, one completed, all recorded"
            for e in g.Experiments |> List.take 3 do
                let r = RunRecord.read (Runner.recordPath d.Path "div" e)
                match r.Status with
                | Failed why ->
                    Expect.stringStarts why "epoch 1: training diverged: " $"{Experiment.label e}: the epoch and the cause"
                    Expect.isTrue (why.Contains "layer") $"{Experiment.label e}: the layer is named: {why}"
                | Completed -> failtestf "%s completed" (Experiment.label e)
                Expect.isOk (Records.tryRead (Runner.recordPath d.Path "div" e)) "the failed record is a valid record"
            Expect.equal (RunRecord.read (Runner.recordPath d.Path "div" g.Experiments[3])).Status Completed "the sane run completed"
            Expect.isEmpty (temporaries d.Path) "no temporary files"

        testCase "sbp train: divergence writes a failed, valid record and exits 1 with one line; a sane run's record validates" <| fun () ->
            use d = new TempDir()
            let common = [ "train"; "--dataset"; "mnist-10k"; "--train-size"; "200"; "--test-size"; "100"; "--epochs"; "1"; "--hidden"; "20"; "--quiet" ]
            for args, name in [ [ "snn"; "--alpha"; "1e6"; "1e6" ], "snn"; [ "eqprop"; "--alpha"; "1e6"; "1e6" ], "eqprop"; [ "smlp"; "--learning-rate"; "1e6" ], "smlp" ] do
                let out = Path.Combine(d.Path, name)
                let code, _, err = sbp (common @ args @ [ "--out"; out ])
                Expect.equal code 1 $"{name}: exit code"
                Expect.stringStarts err "sbp: epoch 1: training diverged: " $"{name}: the reason"
                Expect.equal (err.Trim().Split('\n').Length) 1 $"{name}: one line"
                let r = Records.tryRead (Path.Combine(out, "run.json"))
                Expect.isOk r $"{name}: the failed record is valid"
            let code, _, _ = sbp (common @ [ "snn"; "--results"; d.Path ])
            Expect.equal code 0 "a sane run"
            let records = Directory.GetFiles(Path.Combine(d.Path, "train"), "run.json", SearchOption.AllDirectories)
            Expect.equal records.Length 1 "its record"
            Expect.isOk (Records.tryRead records[0]) "a record of sbp train validates"
            let code, _, err = sbp (common @ [ "snn"; "--out"; d.File "snn/run.json" ])
            Expect.equal (code, err.Trim().Split('\n').Length) (1, 1) "an --out that is a file: one line, before training"

        testCase "a grid isolates data and output faults: the others finish, each fault is reported, nothing stray is left" <| fun () ->
            use d = new TempDir()
            let nettalk = Path.Combine(d.Path, "nettalk")
            Directory.CreateDirectory nettalk |> ignore
            File.WriteAllText(Path.Combine(nettalk, "nettalk.data"), "aardvark\ta-rdvark\n1<<<>2<<0\n0\n")
            File.WriteAllText(Path.Combine(nettalk, "nettalk.list"), "garbage")
            let root = Path.Combine(d.Path, "results")
            let snns = twoSnn ()
            let g = Grid.create "faults" (snns @ Grid.ofSnn [ { tinySnn with Run.Dataset = DataSets.Nettalk; Run.TrainSize = None; Run.TestSize = None } ])
            // output fault: the record of the second experiment is a folder
            Directory.CreateDirectory(Runner.recordPath root "faults" snns[1]) |> ignore
            let s = Runner.run { options root with Load = { DataSets.defaultLoad with NettalkDir = Some nettalk } } g
            Expect.equal (s.Ran, s.Failed) (1, 2) "one finished, two faults"
            let reasons = s.Failures |> List.map (fun f -> f.Reason)
            Expect.exists reasons (fun r -> r.StartsWith "data: ") $"the data fault is reported: {reasons}"
            Expect.exists reasons (fun r -> r.StartsWith "output: " && r.Contains "is a folder") $"the output fault is reported: {reasons}"
            Expect.isTrue (Runner.isFinished (Runner.recordPath root "faults" snns[0])) "the sound experiment has its record"
            Expect.isEmpty (temporaries root) "no temporary files"
            Expect.isEmpty (Directory.GetFiles(root, "claim.json", SearchOption.AllDirectories)) "no claims left"

        testCase "a results folder that is a file fails every experiment with one reason, without an exception" <| fun () ->
            use d = new TempDir()
            let root = d.File "results"
            File.WriteAllText(root, "not a folder")
            let s = Runner.run (options root) (Grid.create "f" (twoSnn ()))
            Expect.equal (s.Ran, s.Failed) (0, 2) "both reported"
            for f in s.Failures do Expect.stringStarts f.Reason "output: cannot write" "the reason names the output"
            Expect.equal (Directory.GetFiles d.Path).Length 1 "nothing else written"

        testCase "a corrupt artifacts.json is regenerated by the next run and never crashes plots" <| fun () ->
            use d = new TempDir()
            let g = Grid.create "a" (twoSnn ())
            Runner.run (options d.Path) g |> ignore
            let artifacts = Runner.artifactsPath d.Path "a" g.Experiments[0]
            let good = File.ReadAllText artifacts
            File.WriteAllText(artifacts, good.Substring(0, good.Length / 2))
            let _, groups = Tables.write d.Path "a" None
            Plots.write d.Path "a" None groups |> ignore
            let again = Runner.run (options d.Path) g
            Expect.equal (again.Ran, again.Skipped) (1, 1) "the experiment with bad artifacts ran again"
            Expect.equal (File.ReadAllText artifacts) good "regenerated identically"

        testCase "records are validated on read: misplaced, edited, out of range, empty or of an unknown schema are refused with their reason" <| fun () ->
            use d = new TempDir()
            let g = Grid.create "v" (Grid.ofSnn [ tinySnn; { tinySnn with Rule = SnnConfig.SbpBase; Spread = SnnConfig.Spread Spread.reference }; { tinySnn with Run.Hidden = [ 10 ] }; { tinySnn with Run.Hidden = [ 12 ] }; { tinySnn with Run.Hidden = [ 14 ] } ])
            Runner.run (options d.Path) g |> ignore
            let path i = Runner.recordPath d.Path "v" g.Experiments[i]
            for i in 0 .. 4 do Expect.isOk (Records.tryRead (path i)) "a fresh record is valid"
            File.Copy(path 0, path 1, true)
            editRecord (path 2) (fun t -> t.Replace("\"epochs\": 2,", "\"epochs\": 3,"))
            editRecord (path 3) (fun t -> Text.RegularExpressions.Regex.Replace(t, "\"testAccuracy\": [0-9.Ee-]+", "\"testAccuracy\": 5.0"))
            let r4 = RunRecord.read (path 4)
            RunRecord.write (path 4) { r4 with Epochs = [] }
            let reason i = match Records.tryRead (path i) with Error m -> m | Ok _ -> failtestf "record %d accepted" i
            Expect.stringContains (reason 1) "lies in the folder of experiment" "a copied record"
            Expect.stringContains (reason 2) "hashes to" "an edited configuration"
            Expect.stringContains (reason 3) "testAccuracy is 5" "an accuracy beyond 1"
            Expect.stringContains (reason 4) "no epochs" "completed without epochs"
            let valid, refused = Tables.loadChecked d.Path "v"
            Expect.equal (valid.Length, refused.Length) (1, 4) "only the untouched record counts"
            let md, _ = Tables.write d.Path "v" None
            Expect.stringContains md "Refused records (4" "the table lists the refused records"
            editRecord (path 0) (fun t -> t.Replace($"\"schema\": {RunRecord.schemaVersion}", "\"schema\": 9"))
            Expect.stringContains (match Records.tryRead (path 0) with Error m -> m | Ok _ -> "accepted") "schema 9 is not" "a later schema"
            // a rerun trains the refused experiments again and the grid is whole
            let again = Runner.run (options d.Path) g
            Expect.equal again.Ran 5 "every refused record replaced"
            Expect.equal (snd (Tables.loadChecked d.Path "v")).Length 0 "nothing refused any more"

        testCase "two runners on one results folder train each experiment exactly once" <| fun () ->
            use d = new TempDir()
            let g = Grid.create "two" (Grid.ofSnn [ tinySnn; { tinySnn with Run.Hidden = [ 10 ] }; { tinySnn with Run.Hidden = [ 12 ] }; { tinySnn with Run.Hidden = [ 14 ] } ] |> Grid.seeds 2)
            let trainings = ref 0
            let counting (line: string) = if line.Contains "  done   " then Interlocked.Increment trainings |> ignore
            let go () = Task.Run(fun () -> Runner.run { options d.Path with Parallel = 1; Log = counting } g)
            let a, b = go (), go ()
            let sa, sb = a.Result, b.Result
            Expect.equal trainings.Value 8 "eight trainings for eight experiments"
            Expect.equal (sa.Ran + sb.Ran) 8 "the runners' counts agree"
            Expect.equal (Tables.load d.Path "two").Length 8 "one record each"
            Expect.isEmpty (Directory.GetFiles(d.Path, "claim.json", SearchOption.AllDirectories)) "claims released"

        testCase "a cancelled runner stops at the next batch and leaves no record, claim or temporary file" <| fun () ->
            use d = new TempDir()
            // 200 epochs: minutes to finish, so that stopping within 30 s (a loaded machine's data loading included)
            // can only come from the cancellation
            let slow = { tinySnn with Run.Hidden = [ 100 ]; Run.Epochs = 200; Run.TrainSize = Some 2000; Run.TestSize = Some 500 }
            let g = Grid.create "c" (Grid.ofSnn [ slow ])
            use cts = new CancellationTokenSource()
            let claim = Claims.claimPath (Runner.experimentDir d.Path "c" g.Experiments.Head)
            let run = Task.Run(fun () -> Runner.run { options d.Path with Cancel = cts.Token } g)
            let watch = Diagnostics.Stopwatch.StartNew()
            while not (File.Exists claim) && watch.Elapsed.TotalSeconds < 60.0 do Thread.Sleep 20
            Thread.Sleep 500
            cts.Cancel()
            let stopping = Diagnostics.Stopwatch.StartNew()
            let s = run.Result
            Expect.isTrue s.Interrupted "interrupted"
            Expect.isLessThan stopping.Elapsed.TotalSeconds 30.0 "stopped promptly"
            Expect.equal (s.Ran, s.Failed) (0, 0) "nothing ran to the end, nothing failed"
            Expect.isFalse (File.Exists(Runner.recordPath d.Path "c" g.Experiments.Head)) "no record"
            Expect.isFalse (File.Exists claim) "the claim is released"
            Expect.isEmpty (temporaries d.Path) "no temporary files"

        testCase "stale temporary files of a killed writer are removed when a grid starts" <| fun () ->
            use d = new TempDir()
            let g = Grid.create "s" (Grid.ofSnn [ tinySnn ])
            let dir = Runner.experimentDir d.Path "s" g.Experiments.Head
            Directory.CreateDirectory dir |> ignore
            let stray = Path.Combine(dir, "run.json.tmp-999-abc")
            File.WriteAllText(stray, "{")
            File.SetLastWriteTimeUtc(stray, DateTime.UtcNow.AddHours -1.0)
            Runner.run (options d.Path) g |> ignore
            Expect.isFalse (File.Exists stray) "removed"

        testCase "a FIFO, a device or an oversized file as run.json is refused at once, never opened or read whole" <| fun () ->
            if not (OperatingSystem.IsWindows()) then
                use d = new TempDir()
                let g = Grid.create "pipes" (Grid.ofSnn [ tinySnn; { tinySnn with Run.Hidden = [ 10 ] }; { tinySnn with Run.Hidden = [ 12 ] } ])
                let path i = Runner.recordPath d.Path "pipes" g.Experiments[i]
                for e in g.Experiments do RunRecord.write (Runner.recordPath d.Path "pipes" e) (recordFor "pipes" e 2)
                for i in 0 .. 2 do File.Delete(path i)
                mkfifo (path 0)
                File.CreateSymbolicLink(path 1, "/dev/zero") |> ignore
                do
                    use big = File.Create(path 2)
                    big.SetLength(RunRecord.maxBytes + 1L)
                let release = openWriter (path 0)
                let reasonOf i = match within 20.0 release (fun () -> Records.tryRead (path i)) with Error m -> m | Ok _ -> failtestf "record %d accepted" i
                Expect.stringContains (reasonOf 0) "is a FIFO (named pipe), not a regular file" "a FIFO"
                Expect.stringContains (reasonOf 1) "is a symbolic link, not a regular file" "a link to a device"
                Expect.stringContains (reasonOf 2) $"holds {RunRecord.maxBytes + 1L} bytes, more than the {RunRecord.maxBytes} allowed" "an oversized file"
                let valid, refused = within 20.0 release (fun () -> Tables.loadChecked d.Path "pipes")
                Expect.equal (valid.Length, refused.Length) (0, 3) "each refused by the tables"
                // the runner lists them without blocking and trains each again: its record replaces the file
                let s = within 120.0 release (fun () -> Runner.run (options d.Path) g)
                Expect.equal (s.Ran, s.Failed) (3, 0) "trained again"
                Expect.equal (Tables.loadChecked d.Path "pipes" |> fun (ok, no) -> ok.Length, no.Length) (3, 0) "now valid"


        testCase "forged records are refused, each in one line naming its file, and counted neither by the tables nor by the runner" <| fun () ->
            use d = new TempDir()
            let three = { tinySnn with Run.Epochs = 3 }
            let g =
                Grid.ofSnn ([ for h in [ 20; 10; 12; 14; 16; 18; 22; 24; 26; 28 ] -> { three with Run.Hidden = [ h ] } ]
                            @ [ { three with Rule = SnnConfig.SbpBase; Spread = SnnConfig.Spread Spread.reference } ])
                |> Grid.seeds 1
                |> Grid.create "forged"
            let path i = Runner.recordPath d.Path "forged" g.Experiments[i]
            for e in g.Experiments do RunRecord.write (Runner.recordPath d.Path "forged" e) (recordFor "forged" e 3)
            Expect.equal (Tables.loadChecked d.Path "forged" |> fun (ok, no) -> ok.Length, no.Length) (11, 0) "the records the runner writes are valid"
            for e in g.Experiments do Expect.isNone (Runner.unfinishedAs "forged" e (Runner.recordPath d.Path "forged" e)) "and finished for the runner"
            let edit i (change: JsonObject -> unit) =
                let o = JsonNode.Parse(File.ReadAllText(path i)).AsObject()
                change o
                File.WriteAllText(path i, o.ToJsonString())
            // another experiment's record copied in, its grid key deleted
            File.Copy(path 0, path 1, true)
            edit 1 (fun o -> o["config"].AsObject().Remove "grid" |> ignore)
            // a record of `sbp train` (no grid, its given seed) dropped into the grid's folder, in the folder of its id
            let single = { g.Experiments[2] with Seed = Experiment.Given }
            let singlePath = Runner.recordPath d.Path "forged" single
            RunRecord.write singlePath { recordFor "forged" single 3 with Config = Experiment.runConfig single @ [ "experimentId", Text(Experiment.id single) ] }
            // a 4th epoch appended to a 3-epoch run; the last epoch deleted
            edit 3 (fun o ->
                let es = o["epochs"].AsArray()
                let extra = es[2].DeepClone()
                extra["epoch"] <- JsonValue.Create 4
                es.Add extra)
            edit 4 (fun o -> o["epochs"].AsArray().RemoveAt 2)
            // the seed, the training set's size, the schema edited
            edit 5 (fun o -> o["seed"] <- JsonValue.Create(o["seed"].GetValue<uint64>() + 1UL))
            edit 6 (fun o -> o["dataset"]["trainSize"] <- JsonValue.Create 99)
            edit 7 (fun o -> o["schema"] <- JsonValue.Create 1)
            // a key twice
            File.WriteAllText(path 8, (File.ReadAllText(path 8)).Replace("\"status\":", "\"seed\": 1, \"status\":"))
            // a failed run stops early: fewer epochs than configured is what it holds
            RunRecord.write (path 9) { recordFor "forged" g.Experiments[9] 1 with Status = Failed "epoch 2: training diverged: test" }
            let valid, refused = Tables.loadChecked d.Path "forged"
            let reason (p: string) =
                match refused |> List.tryFind (fun r -> r.Path = p) with
                | Some r -> r.Reason
                | None -> failtestf "%s was not refused" p
            Expect.stringContains (reason (path 1)) "no config.grid" "a copy without its grid key"
            Expect.stringContains (reason (path 1)) "lies in the folder of experiment" "and in another experiment's folder"
            Expect.stringContains (reason singlePath) "no config.grid, but lies in the folder of grid forged" "a single run's record among a grid's"
            Expect.stringContains (reason (path 3)) "config.epochs = 3 epochs holds 4" "an appended epoch"
            Expect.stringContains (reason (path 4)) "config.epochs = 3 epochs holds 2" "a deleted last epoch"
            Expect.stringContains (reason (path 5)) "seed is" "an edited seed"
            Expect.stringContains (reason (path 6)) "dataset.trainSize is 99, but its configuration trains on 100 samples" "an edited training-set size"
            Expect.stringContains (reason (path 7)) "written under schema 1, which this version no longer reads" "an older schema"
            Expect.stringContains (reason (path 8)) "Duplicate property 'seed'" "a key twice"
            Expect.equal refused.Length 8 "nothing else refused"
            Expect.equal (valid |> List.map fst |> set) (set [ path 0; path 2; path 9; path 10 ]) "the untouched records and the failed run count"
            // the table goes on without them and lists each in one line naming its file; the schema-1 record switches
            // no comparison off
            let md, _ = Tables.write d.Path "forged" None
            Expect.stringContains md "Refused records (8, left out of every table)" "listed"
            Expect.equal (md.Split('\n') |> Array.filter (fun l -> l.StartsWith "- `forged/" && l.Contains "run.json`: ")).Length 8 "one line each, naming the file"
            Expect.stringContains md "Each rule against its baseline" "comparisons made"
            Expect.isFalse (md.Contains "records written under schema 1") "no banner"
            // the runner counts none of them as finished: it names each file and trains it again
            for i in [ 1; 3; 4; 5; 6; 7; 8 ] do Expect.isSome (Runner.unfinishedAs "forged" g.Experiments[i] (path i)) $"record {i} is not finished"
            for i in [ 0; 2; 9; 10 ] do Expect.isNone (Runner.unfinishedAs "forged" g.Experiments[i] (path i)) $"record {i} is finished"
            let lines = Collections.Concurrent.ConcurrentQueue<string>()
            let s = Runner.run { options d.Path with Log = lines.Enqueue } g
            Expect.equal (s.Ran, s.Skipped, s.Failed) (7, 4, 0) "the seven forged experiments of the grid ran again"
            for i in [ 1; 3; 4; 5; 6; 7; 8 ] do
                let file = Path.GetRelativePath(d.Path, path i)
                Expect.isTrue (lines |> Seq.exists (fun l -> l.Contains "rerun" && l.Contains file && l.Contains "refused record")) $"the rerun of {file} names it"
            let valid, refused = Tables.loadChecked d.Path "forged"
            Expect.equal (valid.Length, refused |> List.map (fun r -> r.Path)) (11, [ singlePath ]) "one record per experiment; the stray single run stays refused"


        testCase "tables and plots written by several processes at once never collide" <| fun () ->
            use d = new TempDir()
            let g = Grid.create "busy" (twoSnn () |> Grid.seeds 2)
            for e in g.Experiments do RunRecord.write (Runner.recordPath d.Path "busy" e) (recordFor "busy" e 2)
            let expected, _ = Tables.write d.Path "busy" None
            let files = [ "table.md"; "table.csv"; "pairs.md"; "pairs.csv"; "timings.md"; "timings.csv" ]
            let contents () = files |> List.map (fun f -> File.ReadAllText(Path.Combine(d.Path, "busy", f)))
            let before = contents ()
            for round in 1 .. 3 do
                use start = new Barrier(6)
                let writers =
                    Array.init 6 (fun _ ->
                        Task.Run(fun () ->
                            start.SignalAndWait()
                            let md, gs = Tables.write d.Path "busy" None
                            md, (if round = 1 then Plots.write d.Path "busy" None gs else [])))
                for w in writers do
                    let md, _ = w.Result
                    Expect.equal md expected $"round {round}: every writer's tables"
                Expect.equal (contents ()) before $"round {round}: each file whole and identical"
            Expect.isNonEmpty (Directory.GetFiles(Path.Combine(d.Path, "busy", "plots"), "*.png")) "plots written"
            Expect.isEmpty (temporaries d.Path) "no temporary file left"


        testCase "grids, tables and plots stay inside the results folder: names that lead out and linked folders are refused before anything is written" <| fun () ->
            use d = new TempDir()
            let root = d.File "results"
            let outside = d.File "outside"
            Directory.CreateDirectory(Path.Combine(outside, "plots")) |> ignore
            File.WriteAllText(Path.Combine(outside, "pairs.md"), "keep")
            File.WriteAllText(Path.Combine(outside, "plots", "keep.png"), "keep")
            let untouched () =
                Expect.equal (File.ReadAllText(Path.Combine(outside, "pairs.md"))) "keep" "pairs.md outside kept"
                Expect.isTrue (File.Exists(Path.Combine(outside, "plots", "keep.png"))) "plots outside kept"
                Expect.isEmpty (Directory.GetFiles(outside, "table.*")) "no table outside"
            for name in [ ".."; "."; "../outside"; "a/b"; outside; "" ] do
                throwsOf<ArgumentException> (fun () -> Grid.create name (twoSnn ()) |> ignore) $"Grid.create '{name}'" |> ignore
                throwsOf<ArgumentException> (fun () -> Tables.write root name None |> ignore) $"Tables.write '{name}'" |> ignore
                throwsOf<ArgumentException> (fun () -> Runner.run (options root) { Name = name; Experiments = twoSnn () } |> ignore) $"Runner.run '{name}'" |> ignore
            untouched ()
            if not (OperatingSystem.IsWindows()) then
                Directory.CreateDirectory root |> ignore
                Directory.CreateSymbolicLink(Path.Combine(root, "linked"), outside) |> ignore
                throwsOf<IOException> (fun () -> Tables.write root "linked" None |> ignore) "a linked grid folder" |> ignore
                throwsOf<IOException> (fun () -> Runner.run (options root) (Grid.create "linked" (twoSnn ())) |> ignore) "the runner into a linked grid folder" |> ignore
                // a real grid folder whose plots folder links elsewhere
                let g = Grid.create "g" (twoSnn ())
                for e in g.Experiments do RunRecord.write (Runner.recordPath root "g" e) (recordFor "g" e 2)
                Directory.CreateSymbolicLink(Path.Combine(root, "g", "plots"), Path.Combine(outside, "plots")) |> ignore
                throwsOf<IOException> (fun () -> Tables.write root "g" None |> ignore) "a linked plots folder" |> ignore
                Expect.isFalse (File.Exists(Path.Combine(root, "g", "table.md"))) "nothing written"
                untouched ()

        testCase "a stop request ends the process after its grace when the runner does not return; one that returns in time is not ended" <| fun () ->
            let stopped = TaskCompletionSource<int>()
            let watch = Diagnostics.Stopwatch.StartNew()
            do
                use interrupt = new Runner.Interrupt(TimeSpan.FromMilliseconds 300.0, fun code -> stopped.TrySetResult code |> ignore)
                interrupt.Request "a test's stop"
                Expect.isTrue interrupt.Token.IsCancellationRequested "the runner is asked to stop at once"
                Expect.isTrue (stopped.Task.Wait(TimeSpan.FromSeconds 10.0)) "then ended"
            Expect.equal stopped.Task.Result 130 "with code 130"
            Expect.isGreaterThanOrEqual watch.Elapsed.TotalSeconds 0.25 "after its grace"
            let late = TaskCompletionSource<int>()
            do
                use interrupt = new Runner.Interrupt(TimeSpan.FromMilliseconds 300.0, fun code -> late.TrySetResult code |> ignore)
                interrupt.Request "a test's stop"
            Thread.Sleep 600
            Expect.isFalse late.Task.IsCompleted "a runner that returned (disposed) is not ended"

        testCase "sbp sweep: a FIFO as run.json does not block the runner, and SIGTERM ends it within seconds, its claims released" <| fun () ->
            if not (OperatingSystem.IsWindows()) then
                use d = new TempDir()
                // minutes of training, so that an end within seconds can only come from the signal
                let args =
                    [ "sweep"; "snn"; "--set"; "dataset=mnist-10k"; "--set"; "hidden=100"; "--set"; "epochs=200"; "--set"; "train-size=4000"
                      "--set"; "test-size=500"; "--vary"; "rule=symmetric,sbp"; "--name"; "sig"; "--parallel"; "1"; "--no-table"; "--results"; d.Path ]
                let grid =
                    match Cli.parse (Array.ofList args) |> fun a -> a.GetSubCommand() with
                    | Cli.Sweep w -> Program.sweepGrid (Families.all |> List.find (fun f -> f.Name = "snn")) w
                    | _ -> failtest "not a sweep"
                let fifo = Runner.recordPath d.Path "sig" grid.Experiments.Head
                Directory.CreateDirectory(Path.GetDirectoryName fifo) |> ignore
                mkfifo fifo
                let psi = Diagnostics.ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "sbp.dll") :: args,
                                                       RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = d.Path)
                use p = Diagnostics.Process.Start psi
                let err = p.StandardError.ReadToEndAsync()
                let out = p.StandardOutput.ReadToEndAsync()
                try
                    // the runner reads past the FIFO and claims an experiment
                    let watch = Diagnostics.Stopwatch.StartNew()
                    let claims () = Directory.GetFiles(Path.Combine(d.Path, "sig"), "claim.json", SearchOption.AllDirectories)
                    while claims().Length = 0 && not p.HasExited && watch.Elapsed.TotalSeconds < 90.0 do Thread.Sleep 50
                    if claims().Length = 0 then
                        openWriter fifo ()
                        p.Kill true
                        failtestf "no experiment was claimed (the FIFO blocked the runner?): %s%s" out.Result err.Result
                    Thread.Sleep 300
                    use kill = Diagnostics.Process.Start("kill", [ "-TERM"; string p.Id ])
                    kill.WaitForExit()
                    let stopping = Diagnostics.Stopwatch.StartNew()
                    Expect.isTrue (p.WaitForExit 20_000) "ended"
                    Expect.isLessThan stopping.Elapsed.TotalSeconds 5.0 "within seconds of the signal"
                finally
                    if not p.HasExited then
                        openWriter fifo ()
                        p.Kill true
                Expect.equal p.ExitCode 130 $"exit code 130: {err.Result}"
                Expect.stringContains err.Result "SIGTERM received" "the signal is named"
                Expect.isEmpty (Directory.GetFiles(d.Path, "claim.json", SearchOption.AllDirectories)) "claims released"
    ]
