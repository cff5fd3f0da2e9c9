module Sbp.Tests.Data.NettalkTests

open System.IO
open Expecto
open Sbp.Core.Data
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private dir = lazy (Paths.nettalkDir None)
let private table = NettalkFeatureTable.Default
let private corpus = lazy (Nettalk.ReadCorpus(Path.Combine(dir.Value, "nettalk.data"), table))

let private writeCorpus (d: TempDir) (lines: string list) =
    let p = d.File "nettalk.data"
    File.WriteAllLines(p, lines)
    p

[<Tests>]
let tests =
    testList "Data/NETtalk" [
        testCase "the corpus has 20,007 words and every phoneme and stress symbol has a target" <| fun () ->
            let words = corpus.Value
            Expect.equal words.Length 20007 "words"
            let phonemes = words |> Seq.collect (fun w -> w.Phonemes) |> Set.ofSeq
            for p in phonemes do Expect.isGreaterThanOrEqual (table.IndexOf p) 0 $"phoneme {p} in the table"
            let stresses = words |> Seq.collect (fun w -> w.Stress) |> Set.ofSeq
            Expect.equal stresses (set "<>012") "stress symbols"

        testCase "the feature table holds the 54 phonemes with 21 units each, every phoneme distinct" <| fun () ->
            Expect.equal table.Count 54 "phonemes"
            Expect.equal NettalkFeatureTable.Units.Length 21 "units"
            let vectors = table.Features |> Array.map (fun f -> System.String.Join(",", f))
            Expect.equal (Array.distinct vectors).Length vectors.Length "no two phonemes share a feature vector"
            Expect.equal table.Features[table.IndexOf 'b'] [| 1.f; 0.f; 0.f; 0.f; 0.f; 0.f; 1.f; 0.f; 0.f; 0.f; 0.f; 0.f; 1.f; 0.f; 0.f; 0.f; 0.f; 0.f; 0.f; 0.f; 0.f |] "b = Voiced Labial Stop"

        testCase "the paper split trains on every letter of the common words and tests on 500 windows of other words" <| fun () ->
            // independent count: letters of every corpus line whose word is in the list
            let listText = File.ReadAllText(Path.Combine(dir.Value, "nettalk.list"))
            let inner = listText.Substring(listText.IndexOf '(' + 1, listText.LastIndexOf ')' - listText.IndexOf '(' - 1)
            let common = inner.Split([| ' '; '\n'; '\r'; '\t' |], System.StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun w -> w.ToLower()) |> set
            let expected =
                File.ReadLines(Path.Combine(dir.Value, "nettalk.data"))
                |> Seq.map (fun l -> l.Split('\t').[0])
                |> Seq.filter common.Contains
                |> Seq.sumBy String.length
            let s = DataSets.load DataSets.defaultLoad DataSets.Nettalk
            Expect.equal s.Train.Count expected "training windows"
            Expect.isTrue (expected > 4500 && expected < 6000) $"about 5,000 training windows ({expected})"
            Expect.equal s.Test.Count 500 "test windows"
            Expect.equal (s.Train.FeatureCount, s.Train.TargetCount) (189, 26) "shape"
            let again = DataSets.load DataSets.defaultLoad DataSets.Nettalk
            Expect.equal again.Test.Features.Data s.Test.Features.Data "the test words are fixed"
            let full = DataSets.load { DataSets.defaultLoad with NettalkFullTest = true } DataSets.Nettalk
            Expect.equal (full.Train.Count + full.Test.Count) (corpus.Value |> Array.sumBy (fun w -> w.Word.Length)) "full test = every other letter"

        testCase "a known word's windows decode back to its letters, with its phoneme and stress as target" <| fun () ->
            let w = corpus.Value |> Array.find (fun w -> w.Word = "aardvark")
            let d = Nettalk.Windows([| w |], table, "one word")
            let windows = [ for i in 0 .. d.Count - 1 -> Nettalk.DecodeWindow(d.Features.Row i) ]
            Expect.equal windows.Head "___aard" "first window"
            Expect.equal (windows |> List.map (fun s -> s[3]) |> Array.ofList |> System.String) "aardvark" "centre letters"
            Expect.equal windows[7] "vark___" "last window"
            for i in 0 .. d.Count - 1 do
                let y = d.Targets.Row(i).ToArray()
                Expect.equal y[.. 20] table.Features[table.IndexOf w.Phonemes[i]] "features"
                Expect.equal (y[21..] |> Array.sum) 1.0f "one stress code"
                Expect.equal y[21 + Nettalk.StressSymbols.IndexOf w.Stress[i]] 1.0f "the right stress code"
                Expect.equal d.Labels[i] (table.IndexOf w.Phonemes[i]) "label = phoneme index"

        testCase "bad corpus lines name the file and line" <| fun () ->
            use d = new TempDir()
            let p = writeCorpus d [ "cat\tk@t\t1<<\t0"; "dog\tdc\t1<<\t0" ]
            let e = throwsOf<DataFormatException> (fun () -> Nettalk.ReadCorpus(p, table) |> ignore) "length"
            Expect.equal e.Position "line 2" "line"
            Expect.stringContains e.Problem "3 letters but 2 phonemes" "lengths"
            let p = writeCorpus d [ "cat\tk$t\t1<<\t0" ]
            let e = throwsOf<DataFormatException> (fun () -> Nettalk.ReadCorpus(p, table) |> ignore) "phoneme"
            Expect.stringContains e.Problem "'$'" "phoneme named"
            Expect.stringContains e.Problem "feature table" "table named"
            let p = writeCorpus d [ "cat\tk@t\t1<9\t0" ]
            throwsOf<DataFormatException> (fun () -> Nettalk.ReadCorpus(p, table) |> ignore) "stress" |> ignore
            let p = writeCorpus d [ "cat k@t 1<< 0" ]
            throwsOf<DataFormatException> (fun () -> Nettalk.ReadCorpus(p, table) |> ignore) "no tabs" |> ignore

        testCase "a feature table with an unknown unit is rejected" <| fun () ->
            let e = throwsOf<DataFormatException> (fun () -> NettalkFeatureTable.Parse(new StringReader("a\tLow Purple\n"), "t.tsv") |> ignore) "unit"
            Expect.stringContains e.Problem "Purple" "unit named"
    ]
