// Propagation depth × STDP window × data set: the spike-timing rule with the SBP spread at depth 0-3 in a
// 2-hidden-layer network (depth ≥ 2 needs ≥ 3 weight layers), three windows, MNIST and NETtalk, 2 seeds.
// 4 × 3 × 2 × 2 = 48 runs of 10 epochs; roughly 1.5 hours on 2 cores.
//   dotnet fsi configs/depth-window.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Core.Plasticity
open Sbp.Experiments
open Sbp.Experiments.SnnConfig

let deep = { defaults with Run.Dataset = DataSets.Mnist10k; Run.Hidden = [ 500; 300 ]; Run.Epochs = 10; Rule = SpikeTiming(StdpWindow()); Spread = Spread Spread.reference }

let grid =
    Grid.ofSnn [ deep ]
    |> Grid.vary (fun depth -> Grid.snn (fun c -> { c with Spread = Spread { Spread.reference with Depth = depth } })) [ 0; 1; 2; 3 ]
    |> Grid.vary (fun (tp, tm) -> Grid.snn (fun c -> { c with Rule = SpikeTiming(StdpWindow(TauPlusMs = tp, TauMinusMs = tm)) })) [ 5f, 5f; 20f, 20f; 20f, 5f ]
    |> Grid.vary Grid.dataset [ DataSets.Mnist10k; DataSets.Nettalk ]
    // depth and window are what this grid compares: replicate r shares one seed across them
    |> Grid.pairedSeeds [ "sbp.depth"; "stdpWindow" ] 2
    |> Grid.create "depth-window"

// runs only when this is the script executed, not when another script #loads it
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
