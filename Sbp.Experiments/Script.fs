/// What an fsi grid script calls: run a grid with the command line's options, then regenerate its tables and plots.
///   dotnet fsi configs/<name>.fsx [--shard i/n] [--parallel n] [--results DIR] [--no-table]
module Sbp.Experiments.Script

open System
open System.IO
open Sbp.Experiments.Grid

type ScriptOptions = { Shard: (int * int) option; Parallel: int option; Results: string option; Table: bool; CostCap: float option }

/// Parses the arguments after the script name.
let parse (argv: string list) =
    let rec go o args =
        match args with
        | [] -> o
        | "--shard" :: s :: rest -> go { o with Shard = Some(parseShard s) } rest
        | "--parallel" :: n :: rest ->
            match Int32.TryParse n with
            | true, k when k >= 1 -> go { o with Parallel = Some k } rest
            | _ -> invalidArg "parallel" $"--parallel expects a positive number, got '{n}'"
        | "--results" :: d :: rest -> go { o with Results = Some d } rest
        | "--cost-cap" :: c :: rest -> go { o with CostCap = Some(float c) } rest
        | "--no-table" :: rest -> go { o with Table = false } rest
        | a :: _ -> invalidArg "argv" $"unknown argument '{a}'; expected --shard i/n, --parallel n, --results DIR, --cost-cap x or --no-table"
    go { Shard = None; Parallel = None; Results = None; Table = true; CostCap = None } argv

/// The results folder: the given one, else $SBP_RESULTS_DIR, else ./results of the current folder.
let resultsRoot (given: string option) =
    given
    |> Option.orElse (match Environment.GetEnvironmentVariable "SBP_RESULTS_DIR" with null | "" -> None | v -> Some v)
    |> Option.defaultValue "results"
    |> Path.GetFullPath

/// Runs the grid with the given options, prints a summary, writes tables and plots (unless disabled); returns an
/// exit code.
let execute (o: ScriptOptions) (grid: Grid) =
    let d = Runner.defaults (resultsRoot o.Results)
    let options =
        { d with
            GitCommit = Git.current.Value
            Parallel = defaultArg o.Parallel d.Parallel
            Shard = o.Shard }
    let s = Runner.run options grid
    printfn "grid %s: %d ran, %d skipped (already finished), %d failed, %d without data, %.1f s" grid.Name s.Ran s.Skipped s.Failed s.NoData s.Seconds
    if o.Table then
        let markdown, groups = Tables.write options.Root grid.Name o.CostCap
        let plots = Plots.write options.Root grid.Name o.CostCap groups
        printfn "%s" markdown
        printfn "tables: %s" (Path.Combine(options.Root, grid.Name, "table.md"))
        for p in plots do printfn "plot: %s" p
    if s.Failed > 0 then 1 else 0

/// Runs the grid with the options of a script's command line (the arguments after the script name).
let run (grid: Grid) (argv: string list) = execute (parse argv) grid
