// The fast σ (single precision throughout, `--sigma fast`) against the exact σ (the bits of every other record): does
// the spiking network learn the same? Symmetric STDP and the paper's SBP run, full MNIST (60,000 / 10,000), file
// order, batch 50, 10 epochs, 5 replicates; replicate r of the exact and the fast σ share one seed (initial weights,
// data order). 20 runs.
//   dotnet fsi configs/sigma-fast.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Core.Numerics
open Sbp.Experiments
open Sbp.Experiments.SnnConfig

let grid =
    Grid.ofSnn [ for c in [ defaults; paperSbp ] -> { c with Run.Epochs = 10 } ]
    |> Grid.vary (fun form -> Grid.snn (fun c -> { c with Sigma = form })) [ TanhForm.Exact; TanhForm.Fast ]
    // σ is what this grid compares: replicate r shares one seed across the two forms
    |> Grid.pairedSeeds [ "sigma" ] 5
    |> Grid.byReplicate
    |> Grid.create "sigma-fast"

// runs only when this is the script executed, not when another script #loads it
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
