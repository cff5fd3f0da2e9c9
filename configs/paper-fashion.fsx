// A task the paper never saw: Fashion-MNIST (60,000 / 10,000) for the spiking network (symmetric STDP against SBP,
// batch 50, 20 epochs) and for equilibrium propagation (EqProp against the SBP operator and the authors' energy,
// 15 epochs), the paper grids' settings otherwise, 5 paired replicates.
// 25 runs; measured: 25 minutes wall on 2 cores with --parallel 2.
//   dotnet fsi configs/paper-fashion.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
// Recorded before the spiking network and EqProp took their reference's file order: this grid keeps the earlier
// protocol (the training set reshuffled every epoch, Grid.shuffledEachEpoch) so that it describes its committed records.
#load "Sbp.fsx"
open Sbp.Experiments

let snn =
    [ for c in [ SnnConfig.defaults; SnnConfig.paperSbp ] -> { c with Run.Dataset = DataSets.Fashion; Run.Epochs = 20 } ]
    |> Grid.ofSnn

let eqprop =
    [ for rule in [ EqPropConfig.EqProp; EqPropConfig.SbpOperator Spread.reference; EqPropConfig.SbpEnergy EqPropConfig.referenceTheta ] ->
          { EqPropConfig.defaults with Run.Dataset = DataSets.Fashion; Rule = rule; Run.Epochs = 15 } ]
    |> Grid.ofEqProp

let grid = snn @ eqprop |> Grid.seeds 5 |> Grid.byReplicate |> Grid.shuffledEachEpoch |> Grid.create "paper-fashion"

// no cost cap: the paper caps its cost metric only on NETtalk and DVS; runs only when this is the script executed
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
