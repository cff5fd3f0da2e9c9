/// The spiking network's built-in rules that are values (`IPlasticityRule`), each with its named parameters. To add one:
/// write its class in Sbp.Core/Plasticity and add an entry here. Its name becomes a `--rule` choice and a value of
/// the sweep key `rule` (also with `+sbp`), each parameter an option (`--rule-parameter NAME VALUE`) and a sweep key
/// (`rule.NAME`), and its records, ids, tables and figures carry the name and the parameters like a script's rule.
module Sbp.Experiments.SnnRuleCatalogue

open Sbp.Core.Plasticity

/// One parameter of a rule: its name, default, the closed range it must lie in, and what it means.
type Parameter =
    { Name: string
      Default: float
      Range: float * float
      Help: string }

/// A built-in rule given as a value.
type Entry =
    { Name: string
      Help: string
      Parameters: Parameter list
      /// The core rule for parameter values in the order of `Parameters` (checked against their ranges first).
      Create: float list -> IPlasticityRule }

let entries: Entry list =
    [ { Name = "symmetric-decay"
        Help = "symmetric STDP with weight decay, ΔW = ΔW_sym − λ·W"
        Parameters = [ { Name = "lambda"; Default = 0.001; Range = (0.0, 1.0); Help = "decay rate λ" } ]
        Create = fun ps -> DecayingSymmetricRule(float32 ps[0]) } ]

/// The entry named `name`, if the catalogue has one.
let tryFind (name: string) = entries |> List.tryFind (fun e -> e.Name = name)

/// Every reason the parameter values (named) cannot run the entry: a missing, unknown or out-of-range parameter.
let problems (e: Entry) (values: (string * float) list) =
    [ for p in e.Parameters do
          match values |> List.tryFind (fst >> (=) p.Name) with
          | None -> $"the rule {e.Name} needs its parameter {p.Name}"
          | Some(_, v) ->
              let lo, hi = p.Range
              if not (v >= lo && v <= hi) then $"the rule {e.Name}'s {p.Name} ({p.Help}) must lie in [{lo}, {hi}] (got {v})"
      for k, _ in values do
          if e.Parameters |> List.forall (fun p -> p.Name <> k) then
              let known = System.String.Join(", ", e.Parameters |> List.map (fun p -> p.Name))
              $"the rule {e.Name} has no parameter '{k}' (its parameters: {known})" ]

/// The core rule of an entry from named values (in any order; see `problems`).
let create (e: Entry) (values: (string * float) list) =
    e.Create [ for p in e.Parameters -> values |> List.find (fst >> (=) p.Name) |> snd ]
