/// The families' schemas (Experiment.Param, Schema.fs): every `sbp train` option is one parameter's; a configuration
/// set through any sweep keys reads back from its record as itself; the command line and the sweep keys set a
/// parameter alike; figures take their words from the schema.
module Sbp.Tests.Experiments.SchemaTests

open System
open Expecto
open Microsoft.FSharp.Reflection
open Sbp.Experiments
open Sbp.Experiments.Experiment
open Sbp.Tests.TestSupport

/// Values a key of each kind takes, as text (some are refused by a key or by the checks: those settings are skipped).
let private valuesOf (key: Key<'c>) (rng: Random) =
    match key.Name with
    | "dataset" -> [ "mnist"; "mnist-10k"; "fashion"; "nettalk" ]
    | "hidden" -> [ "20"; "30x10"; "500" ]
    | "seed" -> [ string (rng.Next()) ]
    | "data-order" -> [ "file"; "shuffled" ]
    | "test-set" -> [ "standard"; "held-out" ]
    | "sbp.range" -> [ "reference"; "top:0.25" ]
    | "stdp.window" -> [ "5:5"; "20:10" ]
    | "rule.lambda" -> [ "0"; "0.01" ]
    | "replace" -> [ "0.5"; "1" ]
    | _ when key.Values = "integers" || key.Values.StartsWith "k ≥ 0" || key.Values.StartsWith "integers" -> [ string (rng.Next(1, 30)) ]
    | _ when key.Values.StartsWith "numbers" || key.Values.StartsWith "proportions" ->
        [ (float32 (rng.Next(1, 200)) / 100f).ToString(Globalization.CultureInfo.InvariantCulture) ]
    | choices -> choices.Split(", ") |> List.ofArray

/// `n` random key settings of `family`, applied in order from its defaults (a setting the key refuses is skipped).
let private randomConfig (family: Family<'c>) (rng: Random) (n: int) =
    let keys = family.Keys |> Array.ofList
    let mutable c = family.Defaults
    for _ in 1..n do
        let k = keys[rng.Next keys.Length]
        let vs = valuesOf k rng
        match k.Set vs[rng.Next vs.Length] c with
        | Ok c' -> c <- c'
        | Error _ -> ()
    c

/// A value of an Argu case's field of type `t`, drawn from a few valid ones (a rule's name from `names`).
let rec private sample (rng: Random) (names: string list) (t: Type) : obj =
    let pick (xs: 'a list) = xs[rng.Next xs.Length]
    if t = typeof<float> then box (pick [ 0.05; 0.3; 1.5; 7.0 ])
    elif t = typeof<int> then box (pick [ 1; 2; 3; 7 ])
    elif t = typeof<string> then box (pick names)
    elif t = typeof<float list> then box (pick [ [ 0.05; 0.02 ]; [ 0.2; 0.1 ] ])
    elif t.IsEnum then Enum.GetValues(t).GetValue(rng.Next(Enum.GetValues(t).Length))
    elif FSharpType.IsUnion t then
        let cases = FSharpType.GetUnionCases t
        let c = cases[rng.Next cases.Length]
        FSharpValue.MakeUnion(c, [| for f in c.GetFields() -> sample rng names f.PropertyType |])
    else failwith $"no sample for {t}"

/// Every option of `family` applied once with sampled values, each to the defaults and to a configuration that has the
/// rule it needs: Ok or Error, never an exception; the configurations that result.
let private applyEvery (family: Family<'c>) (template: Type) (names: string list) (rng: Random) =
    let options = family.Parameters |> List.collect (fun p -> p.Options)
    let cases = FSharpType.GetUnionCases template
    // the defaults, and configurations with sampled rules (an option may need one)
    let rule = options |> List.find (fun o -> o.Case = "Rule")
    let ruleType = ((cases |> Array.find (fun c -> c.Name = "Rule")).GetFields()).[0].PropertyType
    let starts = family.Defaults :: [ for _ in 1..6 do match rule.Apply [ sample rng names ruleType ] family.Defaults with Ok c -> yield c | Error _ -> () ]
    [ for case in cases do
          let o = options |> List.find (fun o -> o.Case = case.Name)
          let values = [ for f in case.GetFields() -> sample rng names f.PropertyType ]
          for start in starts do
              match (try o.Apply values start with e -> failwith $"{family.Name} --{case.Name} {values} threw {e.GetType().Name}: {e.Message}") with
              | Ok c -> yield c
              | Error _ -> () ]

/// A configuration from a random subset of `family`'s options with sampled values, applied in the schema's order.
let private randomOptions (family: Family<'c>) (template: Type) (names: string list) (rng: Random) =
    let cases = FSharpType.GetUnionCases template
    family.Parameters
    |> List.collect (fun p -> p.Options)
    |> List.fold
        (fun c o ->
            if rng.Next 3 = 0 then c
            else
                let case = cases |> Array.find (fun x -> x.Name = o.Case)
                match o.Apply [ for f in case.GetFields() -> sample rng names f.PropertyType ] c with
                | Ok c -> c
                | Error _ -> c)
        family.Defaults

let private schemaChecks (family: Family<'c>) (template: Type) =
    let cases = FSharpType.GetUnionCases template |> Array.map (fun c -> c.Name) |> List.ofArray
    let options = family.Parameters |> List.collect (fun p -> p.Options |> List.map (fun o -> o.Case))
    Expect.equal (List.sort options) (List.sort cases) $"{family.Name}: every case of the template is a parameter's option, and every option a case"
    Expect.equal (List.distinct options) options $"{family.Name}: no option twice"
    let keys = family.Keys |> List.map (fun k -> k.Name)
    Expect.equal (List.distinct keys) keys $"{family.Name}: no sweep key twice"
    // a description's fields are the parameters' own: none written twice
    let fields = family.Describe(family.Resolve family.Defaults) |> List.map fst
    Expect.equal (List.distinct fields) fields $"{family.Name}: no record field twice"

let private readsBack (family: Family<'c>) (c: 'c) (seed: int) =
    let resolved = family.Resolve c
    let described = family.Describe resolved
    let back = family.OfRecord described
    Expect.equal (family.Describe(family.Resolve back)) described $"{family.Name}: the record of a configuration reads back as it (seed {seed})"
    Expect.equal (family.RuleName back) (family.RuleName resolved.Config) "the rule's name too"
    // a rule's own entries too: no field twice
    Expect.equal (List.distinct (List.map fst described)) (List.map fst described) $"{family.Name}: no record field twice (seed {seed})"

let private roundTrip (family: Family<'c>) (seed: int) =
    let rng = Random seed
    readsBack family (randomConfig family rng (rng.Next(1, 8))) seed

let private snnRules = [ "symmetric"; "differential"; "sbp-base"; "stdp-window"; "sbp"; "symmetric-decay"; "lambda" ]

[<Tests>]
let tests =
    testList "Experiments/Schema" [
        testCase "each family's Argu template is its schema's options, one each; keys and record fields are unique" <| fun () ->
            schemaChecks SnnConfig.family typeof<SnnConfig.Args>
            schemaChecks EqPropConfig.family typeof<EqPropConfig.Args>
            schemaChecks SmlpConfig.family typeof<SmlpConfig.Args>

        property "a configuration set through random sweep keys reads back from its record as itself (snn)" <| fun (seed: int) ->
            roundTrip SnnConfig.family seed
        property "a configuration set through random sweep keys reads back from its record as itself (eqprop)" <| fun (seed: int) ->
            roundTrip EqPropConfig.family seed
        property "a configuration set through random sweep keys reads back from its record as itself (smlp)" <| fun (seed: int) ->
            roundTrip SmlpConfig.family seed

        testCase "every option, with values of its types, gives a configuration or a one-line reason, never an exception" <| fun () ->
            let rng = Random 7
            for _ in 1..5 do
                Expect.isNonEmpty (applyEvery SnnConfig.family typeof<SnnConfig.Args> snnRules rng) "snn"
                Expect.isNonEmpty (applyEvery EqPropConfig.family typeof<EqPropConfig.Args> [] rng) "eqprop"
                Expect.isNonEmpty (applyEvery SmlpConfig.family typeof<SmlpConfig.Args> [] rng) "smlp"

        property "a configuration set through random options reads back from its record as itself (all three families)" <| fun (seed: int) ->
            let rng = Random seed
            readsBack SnnConfig.family (randomOptions SnnConfig.family typeof<SnnConfig.Args> snnRules rng) seed
            readsBack EqPropConfig.family (randomOptions EqPropConfig.family typeof<EqPropConfig.Args> [] rng) seed
            readsBack SmlpConfig.family (randomOptions SmlpConfig.family typeof<SmlpConfig.Args> [] rng) seed

        testCase "ids of configurations beyond the committed grids are the ones the code before the schema gave" <| fun () ->
            let snn = SnnConfig.defaults
            let configs: Experiment.Experiment list =
                [ SnnConfig.experiment { snn with Rule = SnnConfig.SpikeTiming(Sbp.Core.Plasticity.StdpWindow(0.8f, 0.9f, 5f, 7f, 0.1f, 0.5f)) }
                  SnnConfig.experiment { snn with Rule = SnnConfig.catalogueRule "symmetric-decay" [ "lambda", 0.01 ]; Spread = SnnConfig.Spread Spread.reference }
                  SnnConfig.experiment
                      { snn with
                          WeightBounds = Some(-1f, 1f); InhibitoryFraction = 0.2f; ShortTermPlasticity = true; ResetStatePerBatch = true
                          TimeWindowMs = 5f; Run = { snn.Run with Dataset = DataSets.Nettalk; Hidden = [ 30; 20 ]; TrainSize = Some 100 } }
                  SnnConfig.experiment
                      { SnnConfig.paperSbp with
                          Spread = SnnConfig.Spread { Spread.reference with Depth = 2; Range = Spread.TopFraction 0.05f; Mode = Sbp.Core.Plasticity.SbpMode.Replace } }
                  EqPropConfig.experiment { EqPropConfig.defaults with Rule = EqPropConfig.SbpEnergy 0.3f; RandomBetaSign = false; WeightBounds = Some(-2f, 2f) }
                  EqPropConfig.experiment
                      { EqPropConfig.defaults with
                          Rule = EqPropConfig.SbpOperator { Spread.reference with Range = Spread.TopFraction 0.2f }
                          Run = { EqPropConfig.defaults.Run with Dataset = DataSets.Nettalk } }
                  SmlpConfig.experiment SmlpConfig.paperSbp
                  SmlpConfig.experiment
                      { SmlpConfig.defaults with
                          Gradient = SmlpConfig.Replaced { SmlpConfig.replacement (SmlpConfig.SbpOperator SmlpConfig.operatorSpread) with Form = SmlpConfig.PerStep 3; Proportion = 0.5f }
                          Energy = SmlpConfig.Energy(0.2f, Sbp.Core.Models.EnergyGradient.Full) }
                  SmlpConfig.experiment
                      { SmlpConfig.defaults with
                          Gradient = SmlpConfig.Replaced(SmlpConfig.replacement SmlpConfig.Zero); Frames = Some 50
                          Run = { SmlpConfig.defaults.Run with Dataset = DataSets.Dvs } } ]
            // computed with the code before the schema (each family's own describe): rules, spreads, windows, bounds,
            // Dale's law, short-term plasticity, per-step forms, the energy term and DVS frames
            Expect.equal (configs |> List.map Experiment.id) [ "a53093d2a00f"; "7fa80df56d93"; "5aceb64f47a7"; "da7c7d76dcd3"; "24d39aa00d78"; "264ab9ef9913"; "998c4a2b8f37"; "df16517794d5"; "fd7d70aba360" ] "pinned ids"

        testCase "the families give a field they share the same words" <| fun () ->
            let all = Families.all |> List.collect (fun f -> f.Words)
            for field, group in all |> List.groupBy (fun (k, _, _) -> k) do
                Expect.equal (group |> List.distinct |> List.length) 1 $"{field}: {group}"

        testCase "a default an option's help states is the family's default" <| fun () ->
            let check (family: Family<'c>) =
                let resolved = (family.Resolve family.Defaults).Config
                let stated =
                    [ for p in family.Parameters do
                          match p.Write resolved with
                          | [ _, (RunRecord.Num _ | RunRecord.Int _ as value) ] ->
                              for o in p.Options do
                                  let m = Text.RegularExpressions.Regex.Match(o.Help, @"\(default (-?[0-9.]+)[;,)]")
                                  if m.Success then yield o.Case, float m.Groups[1].Value, value
                          | _ -> () ]
                for case, said, value in stated do
                    let actual =
                        match value with
                        | RunRecord.Num x -> float (float32 x)
                        | RunRecord.Int i -> float i
                        | v -> failwith $"{case}: {v} is no number"
                    Expect.floatClose Accuracy.high actual (float (float32 said)) $"{family.Name} --{case}: the help says {said}"
                stated.Length
            let n = check SnnConfig.family + check EqPropConfig.family + check SmlpConfig.family
            Expect.isGreaterThanOrEqual n 13 "the scalar options' stated defaults were all compared (13 when written)"

        testCase "a parameter's range is checked once, from the schema, before the family's own checks" <| fun () ->
            let problems c = Experiment.problems (SnnConfig.experiment c)
            Expect.equal (problems { SnnConfig.defaults with FreeIterations = 0 }) [ $"free-phase iterations must lie in 1..{Limits.maxIterations} (got 0)" ] "n_free"
            Expect.equal (problems { SnnConfig.paperSbp with Spread = SnnConfig.Spread { Spread.reference with Depth = -1 } }) [ $"the SBP depth must lie in 0..{Limits.maxDepth} (got -1)" ] "the spread's depth"
            Expect.equal (Experiment.problems (SmlpConfig.experiment { SmlpConfig.defaults with Steps = 0 })) [ $"time steps must lie in 1..{Limits.maxSteps} (got 0)" ] "T"

        testCase "an option and the sweep key of one parameter set it alike" <| fun () ->
            let parser = Argu.ArgumentParser.Create<SnnConfig.Args>(programName = "snn")
            let viaOptions =
                ofOptions SnnConfig.parameters SnnConfig.defaults
                    (parser.Parse [| "--rule"; "sbp"; "--beta"; "0.3"; "--free-iterations"; "7"; "--sbp-depth"; "2"; "--inhibitory-fraction"; "0.2" |])
            let viaKeys =
                [ "rule", "sbp"; "beta", "0.3"; "free-iterations", "7"; "sbp.depth", "2"; "inhibitory-fraction", "0.2" ]
                |> List.fold (fun c (k, v) -> match (SnnConfig.family.Keys |> List.find (fun x -> x.Name = k)).Set v c with Ok c -> c | Error e -> failwith e) SnnConfig.defaults
            Expect.equal viaOptions viaKeys "the same configuration"
            Expect.equal viaOptions.Beta 0.3f "β set"
            Expect.equal viaOptions.FreeIterations 7 "n_free set"

        testCase "an option applies after the rule whatever its place on the command line" <| fun () ->
            let parser = Argu.ArgumentParser.Create<EqPropConfig.Args>(programName = "eqprop")
            let c = ofOptions EqPropConfig.parameters EqPropConfig.defaults (parser.Parse [| "--theta"; "0.3"; "--rule"; "sbp-energy" |])
            Expect.equal c.Rule (EqPropConfig.SbpEnergy 0.3f) "θ set on the rule chosen after it"

        testCase "figures name a parameter with its schema's words" <| fun () ->
            Expect.equal (Plots.axisName "freeIterations") "free-phase iterations n_free" "axis"
            Expect.equal (Plots.shortName "freeIterations") "n_free" "short"
            Expect.equal (Plots.axisName "sbp.depth") "SBP depth (layers reached)" "a spread's field"
            Expect.equal (Plots.axisName "hebb") "Hebbian term" "a spiking-MLP field"
            Expect.equal (Plots.axisName "tauMemMs") "tau mem ms" "a field without words: its name in words"
    ]
