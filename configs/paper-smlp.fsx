// The spiking MLP's supplementary study at the paper's scale: backprop against the hidden gradient replaced in
// every batch (p = 1) by the reference SBP gradient and by zero (the control), in half the batches (p = 0.5) by SBP,
// and the authors' own SBP run (SBP inside BPTT at every step, their quirks, the energy term), 784-500-10 /
// 189-500-26, reference settings (batch 100, NETtalk 5; Adam 1e-3), 5 paired replicates:
//   NETtalk (paper split) then standard MNIST 60,000 / 10,000, the paper's 100 epochs each (train.py), the training
//   set reshuffled every epoch as the reference's loader does (shuffle = True).
// 50 runs. Measured on 2 cores with --parallel 2: NETtalk about 35 minutes wall; MNIST about 27 minutes per run (16 s
// per epoch), so the MNIST half takes many hours and commits replicate by replicate.
//   dotnet fsi configs/paper-smlp.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.SmlpConfig

let replaced by p = { defaults with Gradient = Replaced { replacement by with Proportion = p } }

/// The five rules on one task, 5 paired replicates, replicate by replicate.
let task (t: DataSets.DataSetName) (epochs: int) =
    [ for c in [ defaults; replaced (Sbp referenceGradient) 1f; replaced Zero 1f; replaced (Sbp referenceGradient) 0.5f; paperSbp ] ->
          { c with Run.Dataset = t; Run.Epochs = epochs } ]
    |> Grid.ofSmlp
    |> Grid.seeds 5
    |> Grid.byReplicate

// NETtalk (about half an hour) whole before MNIST (many hours), so that a stopped grid has one task complete
let grid = task DataSets.Nettalk 100 @ task DataSets.Mnist 100 |> Grid.create "paper-smlp"

// runs only when this is the script executed, not when another script #loads it
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
