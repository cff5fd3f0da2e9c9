// Deeper spiking MLPs with SBP (the paper's 3/4/5/6-layer table): backprop vs the reference SBP gradient (every
// hidden layer replaced, p = 1) at 3-6 layers of 500 hidden neurons, MNIST and NETtalk, 10 epochs, 2 seeds.
// 4 × 2 × 2 × 2 = 32 runs, about 45 minutes on 2 cores.  --tiny: 1 seed, 1,000 / 300 samples, 2 epochs.
//   dotnet fsi configs/smlp-depth.fsx -- [--tiny] [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.SmlpConfig

let o = Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [ Script.Tiny ] fsi.CommandLineArgs
let tiny = o.Is Script.Tiny
let sized c = if tiny then { c with Run.Epochs = 2; Run.TrainSize = Some 1000; Run.TestSize = Some 300 } else c

let grid =
    Grid.ofSmlp [ for g in [ Backprop; Replaced(replacement (Sbp referenceGradient)) ] -> sized { defaults with Gradient = g } ]
    |> Grid.vary (fun layers -> Grid.smlp (fun c -> { c with Run.Hidden = List.replicate (layers - 2) 500 })) [ 3; 4; 5; 6 ]
    |> Grid.vary Grid.dataset [ DataSets.Mnist10k; DataSets.Nettalk ]
    |> Grid.seeds (if tiny then 1 else 2)
    |> Grid.create (if tiny then "smlp-depth-tiny" else "smlp-depth")

// runs only when this is the script executed, not when another script #loads it
Script.run o grid
