// The paper's spiking-network comparison under the authors' protocol (docs/SBP-SPEC.md §12): symmetric STDP against
// SBP (the SBP base rule with the reference spread), 784-500-10 / 189-500-26, reference hyperparameters, the training
// set in file order every epoch (as snntrain.m), the paper's 100 epochs, 5 paired replicates:
//   NETtalk (paper split, batch 1) first, all its replicates; then standard MNIST 60,000 / 10,000 (batch 50),
//   replicate by replicate; DVS128 Gesture only when its files are supplied.
// 20 runs without DVS. Measured on 2 cores with --parallel 2: NETtalk about 20 minutes wall; MNIST about 32 minutes
// per paired replicate (19 s per epoch), so the MNIST half takes hours and commits replicate by replicate.
//   dotnet fsi configs/paper-snn.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.SnnConfig

/// Symmetric STDP and SBP on one task for 100 epochs, 5 paired replicates, replicate by replicate.
let task (t: DataSets.DataSetName) =
    [ for c in [ defaults; paperSbp ] -> { c with Run.Dataset = t; Run.Epochs = 100 } ]
    |> Grid.ofSnn
    |> Grid.seeds 5
    |> Grid.byReplicate

// NETtalk (minutes) whole before MNIST (hours), so that a stopped grid has one task complete
let grid = task DataSets.Nettalk @ task DataSets.Mnist @ task DataSets.Dvs |> Grid.create "paper-snn"

// runs only when this is the script executed, not when another script #loads it
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
