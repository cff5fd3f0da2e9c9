module Sbp.Tests.Experiments.GridTests

open Expecto
open FsCheck
open Sbp.Core.Plasticity
open Sbp.Experiments
open Sbp.Experiments.SnnConfig
open Sbp.Tests.TestSupport

let private grid (rules: int) (depths: int) (epochs: int) (nSeeds: int) =
    Grid.ofSnn [ for r in [ BaseRule.Symmetric; BaseRule.SbpBase; BaseRule.Differential ] |> List.truncate rules -> { defaults with Base = r } ]
    |> Grid.vary (fun d -> Grid.snn (fun c -> { c with Spread = Spread(SbpParameters(Depth = d)) })) [ 0 .. depths - 1 ]
    |> Grid.vary (fun t -> Grid.snn (fun c -> { c with Epochs = t + 1 })) [ 0 .. epochs - 1 ]
    |> Grid.seeds nSeeds

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

        testCase "ids are stable across runs and machines (fixed values)" <| fun () ->
            // the id is a hash of the configuration's content: this pins it, so that results/<grid>/<id> stay valid
            let e = Experiment.ofSnn defaults
            Expect.equal (Experiment.id e) (Experiment.id (Experiment.ofSnn { defaults with Epochs = 10 })) "equal content, equal id"
            Expect.notEqual (Experiment.id e) (Experiment.id (Experiment.ofSnn { defaults with Epochs = 11 })) "any parameter changes it"
            Expect.equal (Experiment.id e).Length 12 "12 hex digits"
            Expect.equal (Experiment.seed e) 100UL "a given seed is kept"
            let r0 = { e with Seed = Experiment.Replicate 0 }
            let r1 = { e with Seed = Experiment.Replicate 1 }
            Expect.notEqual (Experiment.seed r0) (Experiment.seed r1) "replicates get their own seeds"
            Expect.equal (Experiment.seed r0) (Experiment.seed { r0 with Seed = Experiment.Replicate 0 }) "and keep them"

        property "shards partition the grid exactly" <| fun (n: byte) ->
            let n = 1 + int n % 7
            let g = Grid.create "g" (grid 3 2 2 3)
            let shards = [ for i in 0 .. n - 1 -> (Grid.shard i n g).Experiments ]
            let all = shards |> List.concat |> List.map Experiment.id
            all.Length = g.Experiments.Length && Set.ofList all = Set.ofList (g.Experiments |> List.map Experiment.id)

        testCase "the STDP window is part of a spike-timing experiment's identity only" <| fun () ->
            let w c = { c with Window = StdpWindow(TauPlusMs = 5.0f) }
            let st = { defaults with Base = BaseRule.SpikeTiming }
            Expect.notEqual (Experiment.id (Experiment.ofSnn st)) (Experiment.id (Experiment.ofSnn (w st))) "window matters for spike timing"
            Expect.equal (Experiment.id (Experiment.ofSnn defaults)) (Experiment.id (Experiment.ofSnn (w defaults))) "and nowhere else"

        testCase "zip pairs values; duplicates and bad shards are refused" <| fun () ->
            let z =
                Grid.ofSnn [ defaults ]
                |> Grid.zip (fun e h -> Grid.snn (fun c -> { c with Epochs = e; Hidden = [ h ] })) [ 1; 2; 3 ] [ 10; 20; 30 ]
            Expect.equal (z |> List.map (fun e -> match e.Model with Experiment.Snn c -> c.Epochs, c.Hidden | _ -> 0, [])) [ 1, [ 10 ]; 2, [ 20 ]; 3, [ 30 ] ] "pairs"
            throwsOf<System.ArgumentException> (fun () -> Grid.create "dup" (Grid.ofSnn [ defaults; defaults ]) |> ignore) "duplicate" |> ignore
            throwsOf<System.ArgumentException> (fun () -> Grid.parseShard "3/3" |> ignore) "shard out of range" |> ignore
            Expect.equal (Grid.parseShard "2/8") (2, 8) "parse"
    ]
