// The paper's ANN comparison under the authors' protocol (docs/SBP-SPEC.md §12): equilibrium propagation against the
// authors' SBP energy (the paper's claim) and against the SBP operator on EqProp's weight change (this project's
// extension), 784-500-10 / 189-500-26, reference defaults (n_free = n_nudge = 10; NETtalk batch 1, β 1), the training
// set in file order every epoch and the 10 epochs of train_model.py, 5 paired replicates:
//   MNIST: trained on the first 50,000 training images and tested, as the authors, on training images
//   50,000–59,999 (the standard 10,000 test images scored beside them); NETtalk (paper split); DVS128 Gesture only
//   when its files are supplied.
// 30 runs without DVS; about 15 minutes wall on 2 cores with --parallel 2.
//   dotnet fsi configs/paper-eqprop.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.EqPropConfig

let grid =
    [ for task in [ DataSets.Nettalk; DataSets.Mnist; DataSets.Dvs ] do
          for rule in [ EqProp; SbpEnergy referenceTheta; SbpOperator Spread.reference ] ->
              { defaults with Run.Dataset = task; Rule = rule; Run.Epochs = 10 } ]
    |> Grid.ofEqProp
    |> Grid.seeds 5
    |> Grid.byReplicate
    |> Grid.create "paper-eqprop"

// the paper's ANN study caps the cost metric's upper error level at 40%; runs only when this is the script executed
Script.run (Script.costCap 0.4 (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs)) grid
