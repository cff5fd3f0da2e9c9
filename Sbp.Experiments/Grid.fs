/// Immutable experiment grids: combinators that build lists of experiments, and deterministic shards.
module Sbp.Experiments.Grid

open System
open Sbp.Experiments.Experiment
open Sbp.Experiments.SnnConfig

/// A named list of experiments; results go to results/<name>/<experiment id>/.
type Grid = { Name: string; Experiments: Experiment list }

/// A grid of the given experiments; refuses duplicates (two experiments with one id would share a record).
let create (name: string) (experiments: Experiment list) =
    if String.IsNullOrWhiteSpace name || name.IndexOfAny(IO.Path.GetInvalidFileNameChars()) >= 0 || name.Contains ' ' then
        invalidArg "name" $"grid name '{name}' must be a non-empty file name without spaces"
    let duplicates = experiments |> List.countBy Experiment.id |> List.filter (fun (_, n) -> n > 1)
    if not duplicates.IsEmpty then
        invalidArg "experiments" $"grid {name} holds {duplicates.Length} duplicated experiment(s), e.g. {fst duplicates.Head}"
    { Name = name; Experiments = experiments }

/// Starts a grid from spiking-network configurations.
let ofSnn (configs: SnnConfig list) = configs |> List.map ofSnn

/// Starts a grid from equilibrium-propagation configurations.
let ofEqProp (configs: EqPropConfig.EqPropConfig list) = configs |> List.map ofEqProp

/// Starts a grid from spiking-MLP configurations.
let ofSmlp (configs: SmlpConfig.SmlpConfig list) = configs |> List.map ofSmlp

/// Applies a change to the spiking-MLP config of an experiment (others pass unchanged).
let smlp (f: SmlpConfig.SmlpConfig -> SmlpConfig.SmlpConfig) (e: Experiment) =
    match e.Model with
    | Smlp c -> { e with Model = Smlp(f c) }
    | _ -> e

/// Applies a change to the spiking-network config of an experiment (others pass unchanged).
let snn (f: SnnConfig -> SnnConfig) (e: Experiment) =
    match e.Model with
    | Snn c -> { e with Model = Snn(f c) }
    | _ -> e

/// Applies a change to the equilibrium-propagation config of an experiment (others pass unchanged).
let eqprop (f: EqPropConfig.EqPropConfig -> EqPropConfig.EqPropConfig) (e: Experiment) =
    match e.Model with
    | EqProp c -> { e with Model = EqProp(f c) }
    | _ -> e

/// Cartesian product: every experiment once per value (size = size × values).
let vary (set: 'v -> Experiment -> Experiment) (values: 'v list) (experiments: Experiment list) =
    [ for e in experiments do
          for v in values -> set v e ]

/// Pairs two value lists element by element and varies over the pairs (the lists must have the same length).
let zip (set: 'a -> 'b -> Experiment -> Experiment) (xs: 'a list) (ys: 'b list) (experiments: Experiment list) =
    if xs.Length <> ys.Length then invalidArg "ys" $"zip needs lists of one length ({xs.Length} vs {ys.Length})"
    vary (fun (a, b) -> set a b) (List.zip xs ys) experiments

/// Replicates every experiment with n seeds derived from its content (size = size × n).
let seeds (n: int) (experiments: Experiment list) =
    if n < 1 then invalidArg "n" $"seeds needs n ≥ 1, got {n}"
    vary (fun r e -> { e with Seed = Replicate r }) [ 0 .. n - 1 ] experiments

/// Shard i of n (0-based): the experiments whose id falls in it. Shards partition a grid exactly, whatever the
/// order of its list or the machine, because membership depends on the id alone.
let shard (i: int) (n: int) (g: Grid) =
    if n < 1 || i < 0 || i >= n then invalidArg "shard" $"shard {i}/{n}: expected 0 ≤ i < n"
    let inShard e = Convert.ToUInt64(Experiment.id e, 16) % uint64 n = uint64 i
    { g with Experiments = g.Experiments |> List.filter inShard }

/// Parses "i/n".
let parseShard (s: string) =
    match s.Split '/' with
    | [| a; b |] ->
        match Int32.TryParse a, Int32.TryParse b with
        | (true, i), (true, n) when n >= 1 && i >= 0 && i < n -> i, n
        | _ -> invalidArg "shard" $"--shard expects i/n with 0 ≤ i < n, got '{s}'"
    | _ -> invalidArg "shard" $"--shard expects i/n, got '{s}'"
