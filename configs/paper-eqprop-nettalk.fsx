// Equilibrium propagation on NETtalk for longer than the authors' 10 epochs: in an earlier reading plain EqProp's
// test error was still falling at epoch 15, so the same comparison as paper-eqprop's NETtalk rows — EqProp against
// the authors' SBP energy and the SBP operator, 189-500-26, batch 1, β 1, file order, 5 paired replicates — runs 60
// epochs here. 15 runs; about 20 minutes on 2 cores with --parallel 2. The report shows both lengths, the paper's
// first.
//   dotnet fsi configs/paper-eqprop-nettalk.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments
open Sbp.Experiments.EqPropConfig

let grid =
    [ for rule in [ EqProp; SbpEnergy referenceTheta; SbpOperator Spread.reference ] ->
          { defaults with Run.Dataset = DataSets.Nettalk; Rule = rule; Run.Epochs = 60 } ]
    |> Grid.ofEqProp
    |> Grid.seeds 5
    |> Grid.byReplicate
    |> Grid.create "paper-eqprop-nettalk"

// the paper's ANN study caps the cost metric's upper error level at 40% on NETtalk; runs only when this is the script
// executed
Script.run (Script.costCap 0.4 (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs)) grid
