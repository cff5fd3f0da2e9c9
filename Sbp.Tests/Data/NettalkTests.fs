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

        testCase "the paper split trains on every letter of the list's 1,000 words (5,603 windows) and tests on 500 windows of other words" <| fun () ->
            // independent count: the list is the parenthesised block that starts a line after Fahlman's note
            let listText = File.ReadAllText(Path.Combine(dir.Value, "nettalk.list"))
            let start = listText.IndexOf "\n(" + 2
            let inner = listText.Substring(start, listText.LastIndexOf ')' - start)
            let words = inner.Split([| ' '; '\n'; '\r'; '\t' |], System.StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun w -> w.ToLower())
            Expect.equal words.Length 1000 "the list holds 1,000 words"
            let common = set words
            let expected =
                File.ReadLines(Path.Combine(dir.Value, "nettalk.data"))
                |> Seq.map (fun l -> l.Split('\t').[0])
                |> Seq.filter common.Contains
                |> Seq.sumBy String.length
            Expect.equal expected 5603 "training windows of the UCI corpus (the paper: 5,033)"
            Expect.equal (Set.ofSeq (Nettalk.ReadCommonWords(Path.Combine(dir.Value, "nettalk.list")))) common "the reader reads the same list"
            for noteWord in [ "approximate"; "corpus"; "duplicate"; "net"; "portion"; "sejnowski" ] do
                Expect.isFalse (common.Contains noteWord) $"'{noteWord}' of the note is not a list word"
            let s = DataSets.load DataSets.defaultLoad DataSets.Nettalk
            Expect.equal s.Train.Count expected "training windows"
            Expect.equal s.Test.Count 500 "test windows"
            Expect.equal (s.Train.FeatureCount, s.Train.TargetCount) (189, 26) "shape"
            let again = DataSets.load DataSets.defaultLoad DataSets.Nettalk
            Expect.equal again.Test.Features.Data s.Test.Features.Data "the test words are fixed"
            let full = DataSets.load { DataSets.defaultLoad with NettalkFullTest = true } DataSets.Nettalk
            Expect.equal full.Test.Count 141331 "every held-out letter"
            Expect.equal (full.Train.Count + full.Test.Count) (corpus.Value |> Array.sumBy (fun w -> w.Word.Length)) "full test = every other letter"

        testCase "the repository's copy is found beside the program and equals the corpus" <| fun () ->
            let shipped = Paths.shippedNettalkDir ()
            for f in [ "nettalk.data"; "nettalk.list"; "NOTICE" ] do
                Expect.isTrue (File.Exists(Path.Combine(shipped, f))) $"{f} is copied to the build output"
            let words = Nettalk.ReadCorpus(Path.Combine(shipped, "nettalk.data"), table)
            Expect.equal words.Length 20007 "the shipped corpus"
            let s = DataSets.load { DataSets.defaultLoad with NettalkDir = Some shipped } DataSets.Nettalk
            Expect.equal (s.Train.Count, s.Test.Count) (5603, 500) "the shipped copy's split"
            Expect.stringContains (File.ReadAllText(Path.Combine(shipped, "NOTICE"))) "CC BY 4.0" "licence notice"

        testCase "a missing corpus names the folder and the options that point at one" <| fun () ->
            use d = new TempDir()
            let e = throwsOf<DataNotProvisionedException> (fun () -> DataSets.load { DataSets.defaultLoad with NettalkDir = Some d.Path } DataSets.Nettalk |> ignore) "missing"
            Expect.stringContains e.Message "--nettalk-dir" "option named"
            Directory.CreateDirectory(d.File "nettalk.data") |> ignore
            File.WriteAllText(d.File "nettalk.list", "(CAT)\n")
            let e = throwsOf<DataAccessException> (fun () -> DataSets.load { DataSets.defaultLoad with NettalkDir = Some d.Path } DataSets.Nettalk |> ignore) "folder"
            Expect.stringContains e.Message "is a folder" "says folder"

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
            let p = writeCorpus d [ "cat\tk@t\t1<<\t0\tcat2" ]
            let e = throwsOf<DataFormatException> (fun () -> Nettalk.ReadCorpus(p, table) |> ignore) "five fields"
            Expect.stringContains e.Problem "expected 4 fields" "count named"

        testCase "the word list: the note's parentheses are not the list; a cut list and text after it are refused" <| fun () ->
            use d = new TempDir()
            let write (text: string) = File.WriteAllText(d.File "nettalk.list", text); d.File "nettalk.list"
            let words = Nettalk.ReadCommonWords(write "Note (by X): see (this).\n***\n(THE OF\n AND)\n")
            Expect.equal (Set.ofSeq words) (set [ "the"; "of"; "and" ]) "only the list"
            let e = throwsOf<DataFormatException> (fun () -> Nettalk.ReadCommonWords(write "Note (x).\n(THE OF\n AN") |> ignore) "cut"
            Expect.stringContains e.Problem "no closing ')'" "says cut"
            throwsOf<DataFormatException> (fun () -> Nettalk.ReadCommonWords(write "Note (x) only.\n") |> ignore) "no list" |> ignore
            throwsOf<DataFormatException> (fun () -> Nettalk.ReadCommonWords(write "(THE) more\n") |> ignore) "text after" |> ignore
            throwsOf<DataFormatException> (fun () -> Nettalk.ReadCommonWords(write "(THE O'F)\n") |> ignore) "not a word" |> ignore

        testCase "a feature table with an unknown unit is rejected" <| fun () ->
            let e = throwsOf<DataFormatException> (fun () -> NettalkFeatureTable.Parse(new StringReader("a\tLow Purple\n"), "t.tsv") |> ignore) "unit"
            Expect.stringContains e.Problem "Purple" "unit named"
    ]
