/// Argu's parse errors as one line, with the nearest verb or option when a word was not recognised: shared by the
/// `sbp` command line and the fsi scripts' options.
module Sbp.Experiments.Usage

open System
open System.Text.RegularExpressions

/// Levenshtein distance, for "did you mean".
let distance (a: string) (b: string) =
    let d = Array2D.init (a.Length + 1) (b.Length + 1) (fun i j -> if i = 0 then j elif j = 0 then i else 0)
    for i in 1 .. a.Length do
        for j in 1 .. b.Length do
            let cost = if a[i - 1] = b[j - 1] then 0 else 1
            d[i, j] <- min (min (d[i - 1, j] + 1) (d[i, j - 1] + 1)) (d[i - 1, j - 1] + cost)
    d[a.Length, b.Length]

/// The candidate nearest to `word` when it is near enough to be a typo of it (at most 2 edits, or a third of the
/// word's length for a long word), else None.
let nearest (word: string) (candidates: string seq) =
    candidates
    |> Seq.sortBy (distance word)
    |> Seq.tryHead
    |> Option.filter (fun c -> distance word c <= max 2 (word.Length / 3))

/// Argu's error as one line, with the nearest verb or option of the usage it printed when the word was unknown.
let oneLine (message: string) =
    let lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun l -> l.Trim())
    let first = lines[0].Replace("ERROR: ", "")
    let m = Regex.Match(first, "unrecognized argument: '([^']*)'")
    if not m.Success then first
    else
        let word = m.Groups[1].Value
        let candidates =
            [ for l in lines[1..] do
                  for t in Regex.Matches(l, @"(?<![\w<-])(--[a-z0-9-]+|[a-z][a-z0-9-]+)(?=[ ,]|$)") -> t.Value ]
            |> List.filter (fun c -> c.StartsWith "--" = word.StartsWith "--")
            |> List.distinct
        // a word the usage itself names (a data set given after an option that takes none) is in the wrong place, not
        // misspelt: suggesting the same word would only repeat it
        if candidates |> List.contains word then $"{first} ('{word}' is not expected at that place: see --help)"
        else
            match nearest word candidates with
            | Some c -> $"{first} Did you mean '{c}'?"
            | None -> first
