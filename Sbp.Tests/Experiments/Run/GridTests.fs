module Sbp.Tests.Experiments.GridTests

open Expecto
open FsCheck
open Sbp.Core.Plasticity
open Sbp.Experiments
open Sbp.Experiments.SnnConfig
open Sbp.Tests.TestSupport

let private grid (rules: int) (depths: int) (epochs: int) (nSeeds: int) =
    Grid.ofSnn [ for r in [ Rule.Symmetric; Rule.SbpBase; Rule.Differential ] |> List.truncate rules -> { defaults with Rule = r } ]
    |> Grid.vary (fun d -> Grid.snn (fun c -> { c with Spread = Spread { Spread.reference with Depth = d } })) [ 0 .. depths - 1 ]
    |> Grid.vary (fun t -> Grid.snn (fun c -> { c with Run.Epochs = t + 1 })) [ 0 .. epochs - 1 ]
    |> Grid.seeds nSeeds

let private configOf (e: Experiment.Experiment) = (Experiment.tryConfig SnnConfig.family e).Value

[<Tests>]
let tests =
    testList "Experiments/Grid" [
        property "a grid's size is the product of its dimensions and its ids are unique" <| fun (r: byte) (d: byte) (w: byte) (s: byte) ->
            let r, d, w, s = 1 + int r % 3, 1 + int d % 4, 1 + int w % 3, 1 + int s % 4
            let g = grid r d w s
            g.Length = r * d * w * s && (g |> List.map Experiment.id |> List.distinct).Length = g.Length

        property "ids and seeds do not depend on the order of the list" <| fun (seed: uint64) ->
            let g = grid 2 3 2 2
            let shuffled = Sbp.Core.Numerics.Rng(seed).Permutation g.Length |> Array.map (fun i -> g[i]) |> List.ofArray
            let key (e: Experiment.Experiment) = Experiment.id e, Experiment.seed e
            Set.ofList (List.map key g) = Set.ofList (List.map key shuffled)

        property "replicate by replicate: the same experiments, replicate r of all before any r + 1, order kept within" <| fun (r: byte) (s: byte) ->
            let g = grid (1 + int r % 3) 2 1 (1 + int s % 4)
            let ordered = Grid.byReplicate g
            let rep (e: Experiment.Experiment) = match e.Seed with Experiment.Replicate r -> r | Experiment.Given -> 0
            Set.ofList (List.map Experiment.id ordered) = Set.ofList (List.map Experiment.id g)
            && (ordered |> List.map rep) = (ordered |> List.map rep |> List.sort)
            && (ordered |> List.filter (fun e -> rep e = 0)) = (g |> List.filter (fun e -> rep e = 0))

        testCase "ids are stable across runs and machines (pinned values)" <| fun () ->
            // the id is a hash of the versioned canonical form: this pins it, so that results/<grid>/<id> stay valid
            let shuffled (c: SnnConfig.SnnConfig) = { c with Run.Order = DataSets.ShuffledEachEpoch }
            let e = SnnConfig.experiment (shuffled defaults)
            Expect.equal (Experiment.id e) "e095b00932bb" "pinned id of the reference configuration, shuffled each epoch (schema 2)"
            Expect.equal (Experiment.id (SnnConfig.experiment (shuffled paperSbp))) "93da1d1b6492" "pinned id of the paper's SBP, shuffled each epoch"
            // the data order was added after schema 2 with "shuffled" as the value every earlier run had
            Expect.equal (Experiment.id (SnnConfig.experiment defaults)) "95ba06e9070c" "pinned id of the reference configuration in file order"
            Expect.isTrue ((Experiment.canonical (SnnConfig.experiment defaults)).Contains "dataOrder=\"file\"") "file order is in the canonical form"
            Expect.isFalse ((Experiment.canonical e).Contains "dataOrder") "the order every earlier run had is left out"
            Expect.equal (Experiment.id e) (Experiment.id (SnnConfig.experiment (shuffled { defaults with Run.Epochs = 10 }))) "equal content, equal id"
            // the spread's range was added after schema 2 with the reference as its default: ids without it keep theirs
            let top = { shuffled paperSbp with Spread = Spread { Spread.reference with Range = Spread.TopFraction 0.05f } }
            Expect.notEqual (Experiment.id (SnnConfig.experiment top)) "93da1d1b6492" "a top-fraction range is another experiment"
            Expect.isFalse ((Experiment.canonical (SnnConfig.experiment paperSbp)).Contains "range") "the reference range is left out of the canonical form"
            Expect.isTrue ((Experiment.canonical (SnnConfig.experiment top)).Contains "topFraction") "a top-fraction range is in it"
            Expect.notEqual (Experiment.id e) (Experiment.id (SnnConfig.experiment { defaults with Run.Epochs = 11 })) "any parameter changes it"
            Expect.equal (Experiment.seed e) 100UL "a given seed is kept"
            let r0 = { e with Seed = Experiment.Replicate 0 }
            let r1 = { e with Seed = Experiment.Replicate 1 }
            Expect.notEqual (Experiment.seed r0) (Experiment.seed r1) "replicates get their own seeds"

        testCase "a task's reference setting and the same value set explicitly are one experiment" <| fun () ->
            let nettalk = { defaults with Run.Dataset = DataSets.Nettalk }
            Expect.equal (Experiment.id (SnnConfig.experiment nettalk)) (Experiment.id (SnnConfig.experiment { nettalk with Run.BatchSize = Some 1 })) "batch 1 is NETtalk's"
            Expect.equal ((SnnConfig.experiment nettalk).Model.BatchSize) 1 "NETtalk trains sample by sample"
            Expect.equal ((SnnConfig.experiment defaults).Model.BatchSize) 50 "MNIST in batches of 50"
            Expect.equal ((EqPropConfig.experiment { EqPropConfig.defaults with Run.Dataset = DataSets.Dvs }).Model.BatchSize) 1 "eqprop DVS batch 1"
            let eqNettalk = (EqPropConfig.resolve { EqPropConfig.defaults with Run.Dataset = DataSets.Nettalk }).Config
            Expect.equal (eqNettalk.Beta, eqNettalk.Run.BatchSize) (Some 1f, Some 1) "eqprop NETtalk β 1, batch 1"
            Expect.equal (EqPropConfig.resolve EqPropConfig.defaults).Config.Run.TrainSize (Some 50_000) "eqprop MNIST: the first 50,000"
            Expect.equal (EqPropConfig.defaults.FreeIterations, EqPropConfig.defaults.NudgeIterations) (10, 10) "the reference script's n_free, n_nudge"
            let dvs = (SmlpConfig.resolve { SmlpConfig.defaults with Run.Dataset = DataSets.Dvs }).Config
            Expect.equal (dvs.Run.BatchSize, dvs.LearningRate) (Some 16, Some 1e-4f) "smlp DVS"
            Expect.equal ((SmlpConfig.experiment { SmlpConfig.defaults with Run.Dataset = DataSets.Nettalk }).Model.BatchSize) 5 "smlp NETtalk"
            Expect.equal (SnnConfig.defaultRates 4) [ 0.4f; 0.1f; 0.1f; 0.1f ] "5 layers: the reference's effective rates"
            Expect.equal (SnnConfig.defaultRates 3) [ 0.4f; 0.1f; 0.1f ] "4 layers"
            Expect.equal (SnnConfig.defaultRates 2) [ 0.1f; 0.05f ] "3 layers"
            let explicitBatch = { defaults with Run.Dataset = DataSets.Nettalk; Run.BatchSize = Some 7 }
            Expect.equal ((SnnConfig.experiment explicitBatch).Model.BatchSize) 7 "an explicit value wins"

        testCase "replicate r of a comparison shares one seed across rules; other parameters get their own" <| fun () ->
            let g = grid 3 2 1 3
            for r in 0 .. 2 do
                let rep = g |> List.filter (fun e -> e.Seed = Experiment.Replicate r)
                // rules and spreads are compared: one seed per replicate for the whole grid (epochs fixed here)
                Expect.equal (rep |> List.map Experiment.seed |> List.distinct).Length 1 $"replicate {r}: one seed for every rule"
            Expect.equal (g |> List.map Experiment.seed |> List.distinct).Length 3 "three replicates, three seeds"
            let epochsVaried = grid 1 1 2 1
            Expect.notEqual (Experiment.seed epochsVaried[0]) (Experiment.seed epochsVaried[1]) "a non-compared parameter changes the seed"
            let compared = Grid.ofSnn [ defaults ] |> Grid.vary (fun t -> Grid.snn (fun c -> { c with Run.Epochs = t })) [ 1; 2 ] |> Grid.pairedSeeds [ "epochs" ] 1
            Expect.equal (Experiment.seed compared[0]) (Experiment.seed compared[1]) "a declared compared key shares the seed"

        testCase "the two runs of a replicate start from bit-identical weights and draw the same batches" <| fun () ->
            let g = Grid.ofSnn [ { defaults with Run.Hidden = [ 20 ] }; { paperSbp with Run.Hidden = [ 20 ] } ] |> Grid.seeds 1
            let nets =
                [ for e in g ->
                      let c = configOf e
                      let seed = Experiment.seed e
                      SnnConfig.toParameters (SnnConfig.resolve { c with Run.Seed = seed }) 784 10 |> Sbp.Core.Models.SpikingStdpNetwork, seed ]
            let (a, sa), (b, sb) = nets[0], nets[1]
            Expect.equal sa sb "one seed"
            for l in 0 .. a.Weights.Length - 1 do
                Expect.equal a.Weights[l].Data b.Weights[l].Data $"weights of layer {l}"
            let order (s: uint64) = Sbp.Core.Numerics.Rng.Derive(s, 1001UL).Permutation 1000
            Expect.equal (order sa) (order sb) "the first epoch's batches"

        testCase "the STDP window is part of a spike-timing experiment's identity only; illegal combinations are refused" <| fun () ->
            let st = { defaults with Rule = SpikeTiming(StdpWindow()) }
            Expect.notEqual (Experiment.id (SnnConfig.experiment st)) (Experiment.id (SnnConfig.experiment { st with Rule = SpikeTiming(StdpWindow(TauPlusMs = 5.0f)) })) "window matters for spike timing"
            let refused (e: Experiment.Experiment) = not (Experiment.problems e).IsEmpty
            Expect.isTrue (refused (SnnConfig.experiment { defaults with Run.Epochs = 0 })) "epochs ≥ 1"
            Expect.isTrue (refused (SnnConfig.experiment { paperSbp with Spread = Spread { Spread.reference with Depth = -1 } })) "negative depth"
            Expect.isTrue (refused (EqPropConfig.experiment { EqPropConfig.defaults with Rule = EqPropConfig.SbpOperator { Spread.reference with Mode = SbpMode.Replace } })) "eqprop operator modulates"
            Expect.isTrue (refused (SmlpConfig.experiment { SmlpConfig.defaults with Gradient = SmlpConfig.Replaced { SmlpConfig.replacement (SmlpConfig.Sbp SmlpConfig.referenceGradient) with Proportion = 2f } })) "p ≤ 1"
            throwsOf<System.ArgumentException> (fun () -> Grid.create "bad" [ SnnConfig.experiment { defaults with Run.Epochs = 0 } ] |> ignore) "a grid refuses it" |> ignore

        testCase "the settings every family shares are set, checked and read back once for all families" <| fun () ->
            for f in Families.all do
                let set key value e = f.Set key value e |> Result.defaultWith failtest
                let e = f.Defaults |> set "dataset" "nettalk" |> set "epochs" "3" |> set "hidden" "40x30" |> set "train-size" "200" |> set "test-size" "50" |> set "seed" "7"
                Expect.equal (Experiment.data e) (DataSets.Nettalk, Some 200, Some 50) $"{f.Name}: data set and sizes"
                Expect.equal e.Model.Seed 7UL $"{f.Name}: seed"
                let values = e.Model.Describe()
                Expect.equal (values |> List.find (fst >> (=) "epochs")) ("epochs", RunRecord.Int 3L) $"{f.Name}: epochs"
                Expect.equal (values |> List.find (fst >> (=) "hidden")) ("hidden", RunRecord.Items [ RunRecord.Int 40L; RunRecord.Int 30L ]) $"{f.Name}: hidden layers"
                let record: RunRecord.Record =
                    { Config = values; Seed = 7UL; Epochs = []; Status = RunRecord.Completed; GitCommit = "test"
                      Dataset = { Name = "nettalk"; TrainSize = 200; TestSize = 50; Provenance = "test" } }
                match f.Read record with
                | Ok back -> Expect.equal (Experiment.id back) (Experiment.id e) $"{f.Name}: read back as the same experiment"
                | Error m -> failtest $"{f.Name}: {m}"
                for key, value, problem in [ "epochs", "0", "epochs must be ≥ 1"; "train-size", "0", "training size must be ≥ 1"; "test-size", "-1", "test size must be ≥ 1" ] do
                    let bad = set key value f.Defaults
                    Expect.exists (Experiment.problems bad) (fun p -> p.Contains problem) $"{f.Name}: {key}={value} is refused"

        testCase "a command-line sweep builds the grid an fsi script builds: same ids and seeds" <| fun () ->
            let parser = Argu.ArgumentParser.Create<Cli.SbpArgs>(programName = "sbp")
            let args =
                [| "sweep"; "snn"; "--set"; "rule=sbp"; "--set"; "epochs=2"; "--vary"; "sbp.depth=0,1,2"
                   "--vary"; "dataset=mnist-10k,nettalk"; "--seeds"; "2"; "--compare"; "sbp.depth"; "--name"; "my-sweep" |]
            let options =
                match parser.ParseCommandLine(args).GetSubCommand() with
                | Cli.Sweep s -> s
                | _ -> failtest "not a sweep"
            let fromCli = Program.sweepGrid SnnConfig.registered options
            let fromScript =
                Grid.ofSnn [ { paperSbp with Run.Epochs = 2 } ]
                |> Grid.vary (fun d -> Grid.snn (fun c -> { c with Spread = Spread { Spread.reference with Depth = d } })) [ 0; 1; 2 ]
                |> Grid.vary Grid.dataset [ DataSets.Mnist10k; DataSets.Nettalk ]
                |> Grid.pairedSeeds [ "sbp.depth" ] 2
                |> Grid.create "my-sweep"
            let key (e: Experiment.Experiment) = Experiment.id e, Experiment.seed e
            Expect.equal (fromCli.Experiments |> List.map key |> Set.ofList) (fromScript.Experiments |> List.map key |> Set.ofList) "same experiments"
            Expect.equal fromCli.Experiments.Length 12 "3 depths × 2 data sets × 2 seeds"
            Expect.equal (fromCli.Experiments |> List.map Experiment.seed |> List.distinct).Length 4 "depth is compared: one seed per data set and replicate"

        property "shards partition the grid exactly" <| fun (n: byte) ->
            let n = 1 + int n % 7
            let g = Grid.create "g" (grid 3 2 2 3)
            let shards = [ for i in 0 .. n - 1 -> (Grid.shard i n g).Experiments ]
            let all = shards |> List.concat |> List.map Experiment.id
            all.Length = g.Experiments.Length && Set.ofList all = Set.ofList (g.Experiments |> List.map Experiment.id)

        testCase "zip pairs values; duplicates and bad shards are refused" <| fun () ->
            let z =
                Grid.ofSnn [ defaults ]
                |> Grid.zip (fun e h -> Grid.snn (fun c -> { c with Run.Epochs = e; Run.Hidden = [ h ] })) [ 1; 2; 3 ] [ 10; 20; 30 ]
            Expect.equal (z |> List.map (fun e -> let c = configOf e in c.Run.Epochs, c.Run.Hidden)) [ 1, [ 10 ]; 2, [ 20 ]; 3, [ 30 ] ] "pairs"
            throwsOf<System.ArgumentException> (fun () -> Grid.create "dup" (Grid.ofSnn [ defaults; defaults ]) |> ignore) "duplicate" |> ignore
            throwsOf<System.ArgumentException> (fun () -> Grid.parseShard "3/3" |> ignore) "shard out of range" |> ignore
            Expect.equal (Grid.parseShard "2/8") (2, 8) "parse"
    ]
