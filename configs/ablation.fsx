// Where does SBP's gain come from? (docs/SBP-SPEC.md §10)  The factorial core: base rule × spread, 5 seeds, 10 epochs.
//   spiking STDP network: base ∈ {symmetric, sbp-base, differential} × spread ∈ {none, reference} × {MNIST, NETtalk}
//   equilibrium propagation: spread ∈ {none, reference} × {MNIST, NETtalk}
// 80 runs, about 25 minutes on 2 cores.
// --wide: the second grid: top-fraction range r ∈ {0.05, 0.2} and stronger spread f ∈ {1, 5}, on both bases and
//   equilibrium propagation, MNIST, NETtalk and Fashion-MNIST (60k/10k), 5 seeds: 420 runs, about 14 hours.
//   dotnet fsi configs/ablation.fsx -- [--wide] [--shard i/n] [--parallel n]  (-- --help: all options)
// Recorded before the spiking network and EqProp took their reference's file order: this grid keeps the earlier
// protocol (the training set reshuffled every epoch, Grid.shuffledEachEpoch) so that it describes its committed records.
#load "Sbp.fsx"
open Sbp.Experiments

let o = Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [ Script.Wide ] fsi.CommandLineArgs
let wide = o.Is Script.Wide

let reference = Spread.reference
let spreads =
    if wide then
        [ { reference with Range = Spread.TopFraction 0.05f }
          { reference with Range = Spread.TopFraction 0.2f }
          { reference with Fraction = 1f }
          { reference with Fraction = 5f } ]
    else [ reference ]

let snn =
    [ for b in [ SnnConfig.Symmetric; SnnConfig.SbpBase; SnnConfig.Differential ] do
          if not wide then yield { SnnConfig.defaults with Rule = b }
          for s in spreads do
              if not wide || b <> SnnConfig.Differential then yield { SnnConfig.defaults with Rule = b; Spread = SnnConfig.Spread s } ]
    |> Grid.ofSnn

let eqprop =
    [ if not wide then yield EqPropConfig.defaults
      for s in spreads -> { EqPropConfig.defaults with Rule = EqPropConfig.SbpOperator s } ]
    |> Grid.ofEqProp

let datasets = [ DataSets.Mnist10k; DataSets.Nettalk ] @ (if wide then [ DataSets.Fashion ] else [])

let grid =
    snn @ eqprop
    |> Grid.vary Grid.dataset datasets
    |> Grid.seeds 5
    |> Grid.shuffledEachEpoch
    |> Grid.create (if wide then "ablation-wide" else "ablation")

// runs only when this is the script executed, not when another script #loads it
Script.run o grid
