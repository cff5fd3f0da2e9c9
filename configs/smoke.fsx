// A grid small enough for CI (well under a minute): baseline vs SBP (depth 1 and 2) on tiny MNIST and NETtalk
// splits, 2 seeds, invariant checks on.   dotnet fsi configs/smoke.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.SnnConfig

let small = { defaults with Run.Dataset = DataSets.Mnist10k; Run.Hidden = [ 40; 30 ]; Run.Epochs = 2; Run.TrainSize = Some 300; Run.TestSize = Some 100; Run.CheckInvariants = true }

let grid =
    Grid.ofSnn [ small; { small with Rule = SbpBase; Spread = Spread Spread.reference } ]
    |> Grid.vary Grid.dataset [ DataSets.Mnist10k; DataSets.Nettalk ]
    |> Grid.seeds 2
    |> Grid.create "smoke"

// runs only when this is the script executed, not when another script #loads it
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
