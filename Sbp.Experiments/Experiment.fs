/// An experiment: one model configuration to run, with a stable content-derived id and a seed derived from it.
module Sbp.Experiments.Experiment

open System
open System.Security.Cryptography
open System.Text
open Sbp.Experiments.RunRecord
open Sbp.Experiments.SnnConfig

/// The model families a grid can hold (each with its own config record and defaults).
type ModelConfig =
    | Snn of SnnConfig
    | EqProp of EqPropConfig.EqPropConfig
    | Smlp of SmlpConfig.SmlpConfig

/// How an experiment's seed is chosen.
type SeedChoice =
    /// The seed written in the model config.
    | Given
    /// Replicate r: a seed derived from the experiment's content and r.
    | Replicate of int

type Experiment = { Model: ModelConfig; Seed: SeedChoice }

let ofSnn (c: SnnConfig) = { Model = Snn c; Seed = Given }
let ofEqProp (c: EqPropConfig.EqPropConfig) = { Model = EqProp c; Seed = Given }
let ofSmlp (c: SmlpConfig.SmlpConfig) = { Model = Smlp c; Seed = Given }

/// The seed written in the model config.
let private givenSeed (m: ModelConfig) =
    match m with
    | Snn c -> c.Seed
    | EqProp c -> c.Seed
    | Smlp c -> c.Seed

/// The model-level description (every parameter but the seed), in a fixed order.
let private describe (e: Experiment) =
    match e.Model with
    | Snn c -> describeSnn c
    | EqProp c -> EqPropConfig.describe c
    | Smlp c -> SmlpConfig.describe c
    |> List.filter (fun (k, _) -> k <> "seed")

let private canonical (values: (string * Value) list) =
    let rec text v =
        match v with
        | Int i -> string i
        | Num f -> f.ToString("R", Globalization.CultureInfo.InvariantCulture)
        | Text s -> "\"" + s + "\""
        | Flag b -> if b then "true" else "false"
        | Items xs -> "[" + String.Join(",", xs |> List.map text) + "]"
        | Fields kvs -> "{" + String.Join(",", kvs |> List.map (fun (k, v) -> k + ":" + text v)) + "}"
    String.Join(";", values |> List.map (fun (k, v) -> k + "=" + text v))

let private hash (s: string) = SHA256.HashData(Encoding.UTF8.GetBytes s)

/// The content-derived identity: 12 hex digits of SHA-256 over the description and the seed choice.
/// Equal configurations get equal ids on every machine and in every run; any change of a parameter changes it.
let id (e: Experiment) =
    let seedPart =
        match e.Seed with
        | Given -> $"seed={givenSeed e.Model}"
        | Replicate r -> $"replicate={r}"
    let text = canonical (describe e) + ";" + seedPart
    Convert.ToHexString(hash text, 0, 6).ToLowerInvariant()

/// The seed the experiment runs with.
let seed (e: Experiment) =
    match e.Seed with
    | Given -> givenSeed e.Model
    | Replicate r -> BitConverter.ToUInt64(hash (canonical (describe e) + $";replicate={r}"), 0)

/// The model config with the resolved seed.
let resolve (e: Experiment) =
    match e.Model with
    | Snn c -> Snn { c with Seed = seed e }
    | EqProp c -> EqProp { c with Seed = seed e }
    | Smlp c -> Smlp { c with Seed = seed e }

/// A short human-readable label: model, rule and data set.
let label (e: Experiment) =
    match e.Model with
    | Snn c -> $"snn {ruleName c} {DataSets.nameOf c.Dataset}"
    | EqProp c -> $"eqprop {EqPropConfig.ruleName c} {DataSets.nameOf c.Dataset}"
    | Smlp c -> $"smlp {SmlpConfig.ruleName c} {DataSets.nameOf c.Dataset}"

/// The data an experiment trains on: data set, train size, test size.
let data (e: Experiment) =
    match e.Model with
    | Snn c -> c.Dataset, c.TrainSize, c.TestSize
    | EqProp c -> c.Dataset, c.TrainSize, c.TestSize
    | Smlp c -> c.Dataset, c.TrainSize, c.TestSize

/// How an experiment reads DVS gestures: the spiking STDP network one 32 × 32 frame (1,024 inputs) per sample, as
/// the reference does (its clean form; the reference's s·f row quirk is DvsEncoding.ReferenceFlattening); the
/// equilibrium-propagation network and the spiking MLP all frames of a gesture.
let dvsEncoding (e: Experiment) =
    match e.Model with
    | Snn _ -> Sbp.Core.Data.DvsEncoding.FramePerSample
    | EqProp _ | Smlp _ -> Sbp.Core.Data.DvsEncoding.FramesFlattened

/// The description without seed (groups replicates of one configuration in tables).
let groupKey (e: Experiment) = canonical (describe e)
