/// Immutable experiment grids: combinators that build lists of experiments, paired replicates, and deterministic
/// shards.
module Sbp.Experiments.Grid

open System
open Sbp.Experiments.Experiment

/// A named list of experiments; results go to results/<name>/<experiment id>/.
type Grid = { Name: string; Experiments: Experiment list }

/// What a grid name must be: the name of one folder inside the results folder.
let nameRule = "one folder name inside the results folder: 1 to 100 characters, no '/', '\\', spaces or control characters, not '.' or '..'"

/// Why `name` cannot name a grid (None when it can): it must be a single path segment, so that a grid's folder, its
/// tables and its plots stay inside the results folder.
let nameProblem (name: string) =
    if isNull name || String.IsNullOrWhiteSpace name || name = "." || name = ".."
       || name.IndexOfAny(IO.Path.GetInvalidFileNameChars()) >= 0
       || name.Length > 100
       || name |> Seq.exists (fun c -> c = '/' || c = '\\' || c = ' ' || Char.IsControl c) then
        // the name as given, cut and with control characters escaped, so that the message stays one line
        let shown = String.Concat(name |> Seq.truncate 40 |> Seq.map (fun c -> if Char.IsControl c then $"\\u{int c:x4}" else string c))
        let shown = if name.Length > 40 then shown + $"… ({name.Length} characters)" else shown
        Some $"grid name '{shown}' must be {nameRule}"
    else None

/// Whether `name` is the name of one folder, whatever its characters (not empty, '.' or '..', no separator): a folder
/// of the results folder that other code than a grid's may have made (`sbp train --out`) is read under this rule.
let isFolderName (name: string) =
    not (String.IsNullOrEmpty name) && name <> "." && name <> ".." && name.IndexOfAny [| '/'; '\\'; '\000' |] < 0

/// A grid of the given experiments; refuses a name that is not one folder name (`nameProblem`) and duplicates (two
/// experiments with one id would share a record).
let create (name: string) (experiments: Experiment list) =
    match nameProblem name with
    | Some why -> invalidArg "name" why
    | None -> ()
    let duplicates = experiments |> List.countBy Experiment.id |> List.filter (fun (_, n) -> n > 1)
    if not duplicates.IsEmpty then
        invalidArg "experiments" $"grid {name} holds {duplicates.Length} duplicated experiment(s), e.g. {fst duplicates.Head}"
    for e in experiments do
        match problems e with
        | [] -> ()
        | ps -> invalidArg "experiments" $"""grid {name}: {label e} ({Experiment.id e}) cannot run: {String.Join("; ", ps)}"""
    { Name = name; Experiments = experiments }

/// Starts a grid from configurations of one family.
let ofConfigs (family: Family<'c>) (configs: 'c list) = configs |> List.map (Experiment.create family)

/// Starts a grid from spiking-network configurations.
let ofSnn (configs: SnnConfig.SnnConfig list) = ofConfigs SnnConfig.family configs

/// Starts a grid from equilibrium-propagation configurations.
let ofEqProp (configs: EqPropConfig.EqPropConfig list) = ofConfigs EqPropConfig.family configs

/// Starts a grid from spiking-MLP configurations.
let ofSmlp (configs: SmlpConfig.SmlpConfig list) = ofConfigs SmlpConfig.family configs

/// Applies a change to the configurations of one family (experiments of other families pass unchanged).
let on (family: Family<'c>) (f: 'c -> 'c) (e: Experiment) = update family f e

/// Applies a change to the spiking-network config of an experiment (others pass unchanged).
let snn f e = on SnnConfig.family f e

/// Applies a change to the equilibrium-propagation config of an experiment (others pass unchanged).
let eqprop f e = on EqPropConfig.family f e

/// Applies a change to the spiking-MLP config of an experiment (others pass unchanged).
let smlp f e = on SmlpConfig.family f e

/// The experiments with the training set reshuffled every epoch, whatever their family: the data order of the grids
/// recorded before each family took its reference's order (docs/SBP-SPEC.md §12), so that their scripts still
/// describe exactly their committed records (same ids) until they are regenerated.
let shuffledEachEpoch (experiments: Experiment list) =
    let shuffled (r: RunSettings) = { r with Order = DataSets.ShuffledEachEpoch }
    experiments
    |> List.map (on SnnConfig.family (SnnConfig.common.Update shuffled)
                 >> on EqPropConfig.family (EqPropConfig.common.Update shuffled)
                 >> on SmlpConfig.family (SmlpConfig.common.Update shuffled))

/// Sets the data set of an experiment, whatever its family.
let dataset (d: DataSets.DataSetName) (e: Experiment) = { e with Model = e.Model.WithDataset d }

/// Cartesian product: every experiment once per value (size = size × values).
let vary (set: 'v -> Experiment -> Experiment) (values: 'v list) (experiments: Experiment list) =
    [ for e in experiments do
          for v in values -> set v e ]

/// Pairs two value lists element by element and varies over the pairs (the lists must have the same length).
let zip (set: 'a -> 'b -> Experiment -> Experiment) (xs: 'a list) (ys: 'b list) (experiments: Experiment list) =
    if xs.Length <> ys.Length then invalidArg "ys" $"zip needs lists of one length ({xs.Length} vs {ys.Length})"
    vary (fun (a, b) -> set a b) (List.zip xs ys) experiments

/// Replicates every experiment n times, pairing the replicates of a comparison: replicate r of the experiments that
/// differ only in `compared` keys (dotted paths such as "sbp.depth", beside the family's rule keys, which are always
/// compared) runs with one seed, derived from r and every other parameter, so they share initial weights, data
/// order and noise (size = size × n).
let pairedSeeds (compared: string list) (n: int) (experiments: Experiment list) =
    if n < 1 || n > Limits.maxSeeds then invalidArg "seeds" $"--seeds must lie in 1..{Limits.maxSeeds} (got {n})"
    vary (fun r e -> { e with Seed = Replicate r; Compared = compared }) [ 0 .. n - 1 ] experiments

/// Replicates every experiment n times; replicate r of every learning rule of one configuration shares its seed.
let seeds (n: int) (experiments: Experiment list) = pairedSeeds [] n experiments

/// Orders a grid replicate by replicate (stable within a replicate): every configuration's replicate r runs before
/// any replicate r + 1, so that a grid stopped part-way holds complete paired replicates of every comparison.
let byReplicate (experiments: Experiment list) =
    let replicate (e: Experiment) = match e.Seed with Replicate r -> r | Given -> 0
    experiments |> List.sortBy replicate

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
