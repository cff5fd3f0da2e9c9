/// The grid's log of runner calls, results/<grid>/invocations.jsonl: one JSON line per call of the runner that
/// trained something — when it started (UTC), its wall-clock seconds, what it ran, how (experiments at once, the
/// machine's core count, the shard), the code's commit and the command that started it. The report reads it for the
/// wall time of every grid and the exact commands; the runs' numbers never depend on it.
module Sbp.Experiments.Invocations

open System
open System.Globalization
open System.IO
open System.Text.Json
open System.Text.Json.Nodes

type Invocation =
    { Started: DateTime
      Seconds: float
      Ran: int
      Failed: int
      Parallel: int
      Processors: int
      /// "i/n", or "" for the whole grid.
      Shard: string
      Commit: string
      /// How the grid was started (e.g. `dotnet fsi configs/paper-snn.fsx -- --parallel 2`), without the results
      /// folder; "" when the caller did not say.
      Command: string }

let fileName = "invocations.jsonl"

let private toLine (i: Invocation) =
    let o = JsonObject()
    o["started"] <- JsonValue.Create(i.Started.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))
    o["seconds"] <- JsonValue.Create(Math.Round(i.Seconds, 1))
    o["ran"] <- JsonValue.Create i.Ran
    o["failed"] <- JsonValue.Create i.Failed
    o["parallel"] <- JsonValue.Create i.Parallel
    o["processors"] <- JsonValue.Create i.Processors
    o["shard"] <- JsonValue.Create i.Shard
    o["commit"] <- JsonValue.Create i.Commit
    o["command"] <- JsonValue.Create i.Command
    o.ToJsonString()

/// The most bytes a grid's log of calls may hold (a line per call of the runner: a few hundred bytes each).
let maxBytes = 64L * 1024L * 1024L

/// Appends one call to the grid folder's log (one line, appended whole); a log that is not a regular file (a FIFO,
/// a link) is refused with an IOException naming it.
let append (gridDir: string) (i: Invocation) =
    Directory.CreateDirectory gridDir |> ignore
    let path = Path.Combine(gridDir, fileName)
    Files.requireWritable path
    File.AppendAllText(path, toLine i + "\n")

/// The calls logged in a grid folder, in file order; a line that cannot be read is an error naming the file and line
/// (a log that is not a regular file, or too large, raises an IOException naming it).
let read (gridDir: string) : Result<Invocation list, string> =
    let path = Path.Combine(gridDir, fileName)
    if not (File.Exists path) then Ok []
    else
        let parse (n: int) (line: string) =
            try
                let o = (JsonNode.Parse(line, Nullable(), JsonDocumentOptions(AllowDuplicateProperties = false))).AsObject()
                Ok { Started = DateTime.Parse(o["started"].GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal ||| DateTimeStyles.AssumeUniversal)
                     Seconds = o["seconds"].GetValue<float>()
                     Ran = o["ran"].GetValue<int>()
                     Failed = o["failed"].GetValue<int>()
                     Parallel = o["parallel"].GetValue<int>()
                     Processors = o["processors"].GetValue<int>()
                     Shard = o["shard"].GetValue<string>()
                     Commit = o["commit"].GetValue<string>()
                     Command = o["command"].GetValue<string>() }
            with :? JsonException | :? InvalidOperationException | :? FormatException | :? NullReferenceException | :? ArgumentException ->
                Error $"{Path.GetFileName gridDir}/{fileName} (line {n}): expected a JSON object with started, seconds, ran, failed, parallel, processors, shard, commit and command"
        (Files.readText maxBytes path).Split('\n')
        |> Array.map (fun l -> l.TrimEnd '\r')
        |> Array.toList
        |> List.indexed
        |> List.filter (fun (_, l) -> not (String.IsNullOrWhiteSpace l))
        |> List.fold (fun acc (i, l) -> acc |> Result.bind (fun xs -> parse (i + 1) l |> Result.map (fun x -> x :: xs))) (Ok [])
        |> Result.map List.rev

/// The command text of a call: the program and its arguments with the results folder left out (a path of the
/// machine that ran it, not part of how the grid is made).
let commandText (program: string) (args: string seq) =
    let rec keep (xs: string list) =
        match xs with
        | "--results" :: _ :: rest -> keep rest
        | x :: rest when x.StartsWith "--results=" -> keep rest
        | x :: rest -> x :: keep rest
        | [] -> []
    String.Join(" ", program :: keep (List.ofSeq args)).TrimEnd()
