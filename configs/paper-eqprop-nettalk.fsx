// Equilibrium propagation on NETtalk until its baseline stops improving: paper-eqprop's 15 epochs leave plain
// EqProp's test error still falling (by 1.3 points over the last quarter), so the same comparison — EqProp against
// the SBP operator and the authors' energy, 189-500-26, batch 1, β 1, 5 paired replicates — runs 60 epochs here.
// 15 runs; about 20 minutes on 2 cores with --parallel 2. The report takes the longer-trained runs where both answer.
//   dotnet fsi configs/paper-eqprop-nettalk.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.EqPropConfig

let grid =
    [ for rule in [ EqProp; SbpOperator Spread.reference; SbpEnergy referenceTheta ] ->
          { defaults with Run.Dataset = DataSets.Nettalk; Rule = rule; Run.Epochs = 60 } ]
    |> Grid.ofEqProp
    |> Grid.seeds 5
    |> Grid.byReplicate
    |> Grid.create "paper-eqprop-nettalk"

// the paper's ANN study caps the cost metric's upper error level at 40% on NETtalk; runs only when this is the script
// executed
Script.run (Script.costCap 0.4 (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs)) grid
