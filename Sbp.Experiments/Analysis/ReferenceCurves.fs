/// Curves of the authors' own code, measured here and committed as reference data (data/reference/): the spiking STDP
/// network's test accuracy per epoch under GNU Octave, in file order on the standard MNIST files, for symmetric STDP
/// and SBP. The report sets them beside Sbp's mean curves of the same protocol (grid paper-snn), so that a gap to the
/// paper's absolute levels can be assigned: to Sbp when the authors' code reaches more, to the paper when neither does.
///
/// The file: `#` lines say how the curves were made; then a header `rule<TAB>epoch<TAB>testAccuracy` and one row per
/// rule and epoch (accuracy a fraction; epochs 1..n in order for each rule).
module Sbp.Experiments.ReferenceCurves

open System
open System.Globalization
open System.IO

/// The committed file, relative to the repository (built into the library as a resource of that name).
let fileName = "data/reference/authors-snn-mnist.tsv"

/// One rule's curve: its name as the grid's rule ("symmetric", "sbp") and the test accuracy of epochs 1..n.
type Curve = { Rule: string; Accuracy: float list }

/// Parses the file's text (`source` names it in errors): the curves in the order their rules first appear.
let parse (source: string) (text: string) =
    let fail (line: int) (why: string) = raise (InvalidDataException $"{source}:{line}: {why}")
    let rows =
        text.Split('\n')
        |> Array.mapi (fun i l -> i + 1, l.TrimEnd('\r'))
        |> Array.filter (fun (_, l) -> l.Trim() <> "" && not (l.StartsWith "#"))
        |> List.ofArray
    match rows with
    | [] -> fail 1 "no header: expected rule<TAB>epoch<TAB>testAccuracy"
    | (n, header) :: body ->
        if header <> "rule\tepoch\ttestAccuracy" then fail n $"header '{header}'; expected rule<TAB>epoch<TAB>testAccuracy"
        let parsed =
            [ for n, l in body ->
                  match l.Split('\t') with
                  | [| rule; epoch; acc |] ->
                      let ok, e = Int32.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture)
                      let okA, a = Double.TryParse(acc, NumberStyles.Float, CultureInfo.InvariantCulture)
                      if rule = "" then fail n "an empty rule"
                      if not ok || e < 1 then fail n $"epoch '{epoch}'; expected an integer ≥ 1"
                      if not okA || not (Double.IsFinite a) || a < 0.0 || a > 1.0 then fail n $"testAccuracy '{acc}'; expected a fraction in [0, 1]"
                      n, rule, e, a
                  | cells -> fail n $"{cells.Length} cells; expected 3 separated by tabs" ]
        let rules = parsed |> List.map (fun (_, r, _, _) -> r) |> List.distinct
        [ for rule in rules ->
              let mine = parsed |> List.filter (fun (_, r, _, _) -> r = rule)
              for i, (n, _, e, _) in List.indexed mine do
                  if e <> i + 1 then fail n $"epoch {e} of rule '{rule}'; expected {i + 1} (epochs 1..n in order)"
              { Rule = rule; Accuracy = mine |> List.map (fun (_, _, _, a) -> a) } ]

/// The curves of the committed file, as built into this library ([] when it was built without one).
let committed =
    lazy
        match typeof<Curve>.Assembly.GetManifestResourceStream "authors-snn-mnist.tsv" with
        | null -> []
        | s ->
            use r = new StreamReader(s)
            parse fileName (r.ReadToEnd())

/// The largest fall of a curve from one epoch to the next (0 when it never falls), and after which epoch.
let largestDrop (curve: float list) =
    curve
    |> List.pairwise
    |> List.mapi (fun i (a, b) -> i + 1, a - b)
    |> List.fold (fun (be, bd) (e, d) -> if d > bd then e, d else be, bd) (0, 0.0)

/// The best value of a curve's first `epochs` epochs.
let bestWithin (epochs: int) (curve: float list) = curve |> List.truncate epochs |> List.max
