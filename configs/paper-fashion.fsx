// A task the paper never saw: Fashion-MNIST (60,000 / 10,000) for the spiking network (symmetric STDP against SBP,
// batch 50, 20 epochs) and for equilibrium propagation (EqProp against the SBP operator and the authors' energy,
// 15 epochs), the paper grids' settings otherwise, 5 paired replicates.
// Each family in its reference's data order (file order for both). 25 runs; measured: 30 minutes wall on 2 cores with
// --parallel 2. (Its records under the earlier protocol, reshuffled every epoch, are in the history before they were
// replaced.)
//   dotnet fsi configs/paper-fashion.fsx -- [--shard i/n] [--parallel n]  (-- --help: all options)
#load "Sbp.fsx"
open Sbp.Experiments

let snn =
    [ for c in [ SnnConfig.defaults; SnnConfig.paperSbp ] -> { c with Run.Dataset = DataSets.Fashion; Run.Epochs = 20 } ]
    |> Grid.ofSnn

let eqprop =
    [ for rule in [ EqPropConfig.EqProp; EqPropConfig.SbpOperator Spread.reference; EqPropConfig.SbpEnergy EqPropConfig.referenceTheta ] ->
          { EqPropConfig.defaults with Run.Dataset = DataSets.Fashion; Rule = rule; Run.Epochs = 15 } ]
    |> Grid.ofEqProp

let grid = snn @ eqprop |> Grid.seeds 5 |> Grid.byReplicate |> Grid.create "paper-fashion"

// no cost cap: the paper caps its cost metric only on NETtalk and DVS; runs only when this is the script executed
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
