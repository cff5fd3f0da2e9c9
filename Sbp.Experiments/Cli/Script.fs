/// What an fsi grid script calls: parse its command line (Argu), then run a grid and regenerate its tables and plots.
///   dotnet fsi configs/<name>.fsx -- [--shard i/n] [--parallel n] [--results DIR] [--cost-cap x] [--no-table]
/// (F# Interactive keeps `--help` for itself: the script's own help is `-- --help`, or `help`.)
/// A script runs its grid only when it is the script executed, so that another script or an interactive session can
/// `#load` it and use its definitions.
module Sbp.Experiments.Script

open System
open System.IO
open Argu
open Sbp.Experiments.Grid

type ScriptOptions =
    { Shard: (int * int) option
      Parallel: int option
      Results: string option
      Table: bool
      CostCap: float option
      /// Run only the grid's experiments on this data set (tables still cover every record of the grid).
      Only: DataSets.DataSetName option
      /// How the grid was started, for the grid's log of calls (without the results folder).
      Command: string }

/// The results folder: the given one, else $SBP_RESULTS_DIR, else ./results of the current folder.
let resultsRoot (given: string option) =
    given
    |> Option.orElse (match Environment.GetEnvironmentVariable "SBP_RESULTS_DIR" with null | "" -> None | v -> Some v)
    |> Option.defaultValue "results"
    |> Path.GetFullPath

/// How sure a grid's comparisons are, in one line (None without any): a comparison with fewer than 5 pairs of runs is
/// a first reading, never a result (the report judges a claim on 5 pairs or more).
let readingLine (ps: Tables.Pair list) =
    match ps |> List.map (fun p -> p.Pairs.Length) with
    | [] -> None
    | counts ->
        let fewest = List.min counts
        let pairs n = if n = 1 then "1 pair" else $"{n} pairs"
        if fewest < 5 then
            let which = if List.max counts = fewest then "each comparison" else "the smallest comparison"
            Some $"How sure: {pairs fewest} of runs in {which}: a first reading, not a result (a verdict needs 5)."
        else Some $"How sure: {pairs fewest} or more per comparison; read each Δ with its 95%% t interval (pairs.md)."

/// What a grid prints once its tables and plots are written: the results folder, the grid, the Markdown of its tables,
/// its groups and the plots' paths.
type Presenter = string -> Grid -> string -> Tables.Group list -> string list -> unit

/// The tables in full (Markdown), where they were written, the plots, and how sure the comparisons are.
let presentTables: Presenter =
    fun root grid markdown groups plots ->
        printfn "%s" markdown
        printfn "tables: %s" (Path.Combine(root, grid.Name, "table.md"))
        for p in plots do printfn "plot: %s" p
        readingLine (Tables.pairs None groups) |> Option.iter (printfn "%s")

/// Runs the grid with the given options (until done, or interrupted by Ctrl-C, SIGTERM or the death of the parent
/// `dotnet` process), prints a summary with every failure, writes tables and plots (unless disabled) and shows them
/// with `present`; returns an exit code: 0 when every experiment of the grid (or shard) has its record, 1 when some
/// failed, 130 when interrupted.
let executeWith (present: Presenter) (o: ScriptOptions) (grid: Grid) =
    match o.Parallel with
    | Some n when n < 1 || n > 1024 -> invalidArg "parallel" $"--parallel must lie in 1..1024 (got {n})"
    | _ -> ()
    match o.CostCap with
    | Some c when not (c > 0.0 && c <= 1.0) -> invalidArg "cost-cap" $"--cost-cap must be a fraction in (0, 1] (got {c})"
    | _ -> ()
    // the grid's folder is made first, so that a results folder the system refuses (too long a path, not writable)
    // is one line naming the option before any work
    let root = resultsRoot o.Results
    try Directory.CreateDirectory(Path.Combine(root, grid.Name)) |> ignore
    with :? IOException | :? UnauthorizedAccessException | :? NotSupportedException as e ->
        let why = e.Message.Replace(Environment.NewLine, " ")
        invalidArg "results" $"--results: the grid's folder cannot be made under {root} ({why})"
    use interrupt = new Runner.Interrupt()
    let d = Runner.defaults (resultsRoot o.Results)
    let options =
        { d with
            GitCommit = Git.current.Value
            Parallel = defaultArg o.Parallel d.Parallel
            Shard = o.Shard
            Cancel = interrupt.Token
            Command = o.Command }
    if File.Exists options.Root then invalidArg "results" $"the results folder {options.Root} is a file, not a folder"
    let selected =
        match o.Only with
        | Some d -> { grid with Experiments = grid.Experiments |> List.filter (fun e -> e.Model.Dataset = d) }
        | None -> grid
    let s = Runner.run options selected
    let claimed = if s.Claimed > 0 then $", {s.Claimed} claimed by other runners" else ""
    printfn "grid %s: %d ran, %d done before, %d failed, %d without data%s, %.1f s" grid.Name s.Ran s.Skipped s.Failed s.NoData claimed s.Seconds
    for f in s.Failures do printfn "  failed: %s %s: %s" f.Id f.Label f.Reason
    if s.Interrupted then
        eprintfn "sbp: grid %s interrupted; a rerun resumes it" grid.Name
        130
    else
        if o.Table && Directory.Exists(Path.Combine(options.Root, grid.Name)) then
            try
                let markdown, groups = Tables.write options.Root grid.Name o.CostCap
                let plots = Plots.write options.Root grid.Name o.CostCap groups
                present options.Root grid markdown groups plots
            with :? IOException | :? UnauthorizedAccessException as e -> eprintfn "sbp: tables of %s not written: %s" grid.Name e.Message
        if s.Failed > 0 then
            eprintfn "sbp: %d of %d experiments of grid %s failed (listed above)" s.Failed s.Total grid.Name
            1
        else 0

/// Runs the grid as `executeWith`, showing its tables in full.
let execute (o: ScriptOptions) (grid: Grid) = executeWith presentTables o grid

/// The command line of every grid script. The grid variants (--small, --tiny, --reduced, --wide) are accepted only by
/// the scripts that offer them.
type ScriptArgs =
    | Shard of spec: string
    | Parallel of runs: int
    | Results of dir: string
    | Cost_Cap of cap: float
    | Dataset of name: DataSets.DataSetName
    | No_Table
    | [<CustomCommandLine "--small">] Small_Grid
    | [<CustomCommandLine "--tiny">] Tiny_Grid
    | [<CustomCommandLine "--reduced">] Reduced_Grid
    | [<CustomCommandLine "--wide">] Wide_Grid
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Shard _ -> "run only shard i of n (i/n, 0 <= i < n): every n-th experiment, for several machines."
            | Parallel _ -> "experiments trained at once (at least 1; default: one per core)."
            | Results _ -> "results folder (default: $SBP_RESULTS_DIR, else ./results)."
            | Cost_Cap _ -> "upper error level of the cost metric, a fraction (e.g. 0.4)."
            | Dataset _ -> "run only the grid's experiments on this data set (mnist, mnist-10k, fashion, nettalk, dvs); the tables cover the whole grid."
            | No_Table -> "run only; do not regenerate the tables and plots."
            | Small_Grid -> "the script's smaller grid (where it offers one; see its header)."
            | Tiny_Grid -> "the script's CI-sized grid (where it offers one)."
            | Reduced_Grid -> "the script's reduced grid (where it offers one)."
            | Wide_Grid -> "the script's wider grid (where it offers one)."

/// A grid other than a script's default one, where the script offers it.
type Variant =
    | Small
    | Tiny
    | Reduced
    | Wide

/// What a script's command line asked for.
type Options =
    { /// True when this script is the one F# Interactive runs; false when another script or a session #load-ed it.
      Executed: bool
      /// How to run the grid.
      Run: ScriptOptions
      /// The variant asked for, or None for the script's default grid.
      Variant: Variant option }

    /// True when the command line asked for variant <c>v</c>.
    member o.Is(v: Variant) = o.Variant = Some v

let private flag (v: Variant) =
    match v with
    | Small -> "--small"
    | Tiny -> "--tiny"
    | Reduced -> "--reduced"
    | Wide -> "--wide"

let private defaultOptions =
    { Shard = None; Parallel = None; Results = None; Table = true; CostCap = None; Only = None; Command = "" }

/// True when the script at <c>directory</c>/<c>file</c> (a script's __SOURCE_DIRECTORY__ and __SOURCE_FILE__) is the
/// one F# Interactive runs, i.e. the first of its command-line arguments (fsi.CommandLineArgs).
let isExecuted (directory: string) (file: string) (commandLine: string[]) =
    commandLine.Length > 0
    && not (String.IsNullOrEmpty commandLine[0])
    && String.Equals(Path.GetFullPath commandLine[0], Path.GetFullPath(Path.Combine(directory, file)), StringComparison.OrdinalIgnoreCase)

/// How a script was started: `dotnet fsi <folder>/<file> -- <its arguments>`, the results folder left out.
let scriptCommand (directory: string) (file: string) (args: string[]) =
    let program = $"dotnet fsi {Path.GetFileName(Path.GetFullPath directory)}/{file}"
    let text = Invocations.commandText (program + " --") args
    if text.EndsWith " --" then text.Substring(0, text.Length - 3) else text

let private stop (file: string) (code: int) (message: string) : 'a =
    eprintfn "%s: %s" file message
    exit code

/// Parses a script's command line with Argu; <c>offers</c> lists the variants the script has besides its default grid.
/// When the script is not the one executed (it was #load-ed), nothing is parsed: the default grid, not executed.
/// `--help` (after `--`) or `help` prints the usage and exits 0; a bad option prints one line, with the nearest option
/// for a mistyped one, and exits 2.
let options (directory: string) (file: string) (offers: Variant list) (commandLine: string[]) =
    if not (isExecuted directory file commandLine) then
        { Executed = false; Run = defaultOptions; Variant = None }
    else
        let argv = commandLine[1..] |> Array.map (fun a -> if a = "help" then "--help" else a)
        let offered =
            match offers with
            | [] -> "This script has one grid (no --small, --tiny, --reduced or --wide)."
            | vs -> $"""This script offers: {String.Join(", ", vs |> List.map flag)}."""
        let parser =
            ArgumentParser.Create<ScriptArgs>(programName = $"dotnet fsi {file} --", helpTextMessage = offered)
        let r =
            try parser.ParseCommandLine(argv, raiseOnUsage = true)
            with
            | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
                printfn "%s" e.Message
                exit 0
            | :? ArguParseException as e -> stop file 2 (Usage.oneLine e.Message)
        let variants =
            r.GetAllResults()
            |> List.choose (function
                | Small_Grid -> Some Small
                | Tiny_Grid -> Some Tiny
                | Reduced_Grid -> Some Reduced
                | Wide_Grid -> Some Wide
                | _ -> None)
            |> List.distinct
        for v in variants do
            if not (List.contains v offers) then stop file 2 $"{flag v} does not apply to {file}. {offered}"
        if variants.Length > 1 then
            stop file 2 $"""choose one of {String.Join(", ", variants |> List.map flag)}"""
        let shard =
            try r.TryGetResult ScriptArgs.Shard |> Option.map parseShard
            with :? ArgumentException as e -> stop file 2 (e.Message.Replace($" (Parameter '{e.ParamName}')", ""))
        let parallel' = r.TryGetResult ScriptArgs.Parallel
        match parallel' with
        | Some n when n < 1 -> stop file 2 $"--parallel expects a positive number, got {n}"
        | _ -> ()
        match r.TryGetResult ScriptArgs.Cost_Cap with
        | Some c when not (c > 0.0 && c <= 1.0) -> stop file 2 $"--cost-cap expects a fraction in (0, 1], got {c}"
        | _ -> ()
        { Executed = true
          Run =
            { Shard = shard
              Parallel = parallel'
              Results = r.TryGetResult ScriptArgs.Results
              Table = not (r.Contains ScriptArgs.No_Table)
              CostCap = r.TryGetResult ScriptArgs.Cost_Cap
              Only = r.TryGetResult ScriptArgs.Dataset
              Command = scriptCommand directory file commandLine[1..] }
          Variant = List.tryHead variants }

/// The options with the script's own cost-metric cap, unless the command line gave one.
let costCap (cap: float) (o: Options) =
    { o with Run = { o.Run with CostCap = o.Run.CostCap |> Option.orElse (Some cap) } }

/// Runs the grid and exits with its code (1 when a run failed) when the script is the one executed; does nothing when
/// it was #load-ed. Missing data and invalid configurations end in one line and exit code 1.
let run (o: Options) (grid: Grid) =
    if o.Executed then
        let code =
            try execute o.Run grid
            with
            | :? Sbp.Core.Data.DataException as e -> stop grid.Name 1 e.Message
            | :? ArgumentException as e -> stop grid.Name 1 (e.Message.Replace($" (Parameter '{e.ParamName}')", ""))
            | :? IOException | :? UnauthorizedAccessException as e -> stop grid.Name 1 e.Message
        exit code
