/// Every example of the README is checked against this build: each `sbp` command line parses with the program's own
/// Argu parser (`Cli.parse`, the entry `main` calls), each grid script it names exists and its options parse with the
/// scripts' parser, each F# block type-checks against the library (`dotnet fsi --typecheck-only`), and the examples
/// that are cheap to run (`--version`, `data info nettalk`, a `--help`) run. A failure names the README line.
module Sbp.Tests.Docs.ReadmeTests

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Argu
open Expecto
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private readmePath = lazy (Path.Combine(repository.Value, "README.md"))
let private readme = lazy (File.ReadAllLines readmePath.Value)

/// A piece of the README: the line it starts on (1-based) and its text.
type Example = { Line: int; Text: string }

/// The fenced blocks: language tag and content lines (with their line numbers).
let blocks (lines: string[]) =
    let mutable current: (string * ResizeArray<Example>) option = None
    [ for i in 0 .. lines.Length - 1 do
          let t = lines[i].Trim()
          match current with
          | None when t.StartsWith "```" -> current <- Some(t.Substring(3).Trim(), ResizeArray())
          | None -> ()
          | Some(lang, body) when t.StartsWith "```" ->
              yield lang, List.ofSeq body
              current <- None
          | Some(_, body) -> body.Add { Line = i + 1; Text = lines[i] } ]

/// The commands of the shell blocks: a trailing `\` joins the next line, a `#` comment is dropped.
let shellCommands (lines: string[]) =
    [ for lang, body in blocks lines do
          if lang = "sh" then
              let mutable pending: Example option = None
              for l in body do
                  let text = Regex.Replace(l.Text, @"(^|\s)#.*$", "").Trim()
                  let joined =
                      match pending with
                      | Some p -> { p with Text = p.Text + " " + text.TrimEnd('\\').Trim() }
                      | None -> { l with Text = text.TrimEnd('\\').Trim() }
                  if text.EndsWith "\\" then pending <- Some joined
                  else
                      pending <- None
                      if joined.Text <> "" then yield joined ]

/// The commands written in the prose as code (`sbp ...`, `dotnet run ... --`).
let inlineCommands (lines: string[]) =
    let mutable fenced = false
    [ for i in 0 .. lines.Length - 1 do
          if lines[i].Trim().StartsWith "```" then fenced <- not fenced
          elif not fenced then
              for m in Regex.Matches(lines[i], "`([^`]+)`") do
                  let t = m.Groups[1].Value
                  if t.StartsWith "sbp " || t.Contains "--project Sbp.Experiments --" then yield { Line = i + 1; Text = t } ]

/// A command with optional parts written `[--a]` or `[--a | --b]`: every variant (without, and with each choice).
let variants (text: string) =
    let m = Regex.Match(text, @"\[([^\]]+)\]")
    if not m.Success then [ text ]
    else
        let before, after = text.Substring(0, m.Index), text.Substring(m.Index + m.Length)
        [ yield before + after
          for choice in m.Groups[1].Value.Split('|') -> before + choice.Trim() + after ]
        |> List.map (fun s -> Regex.Replace(s, @"\s+", " ").Trim())

let private words (s: string) = s.Split(' ', StringSplitOptions.RemoveEmptyEntries)

/// What a README command is.
type Command =
    /// The `sbp` command line with these arguments (`sbp ...`, or `dotnet run ... --project Sbp.Experiments -- ...`).
    | Sbp of string[]
    /// A grid script and its arguments (`dotnet fsi configs/<name>.fsx ...`).
    | GridScript of script: string * string[]
    /// Another tool, with the reason it is not parsed here.
    | Other of reason: string
    | Unknown

let classify (text: string) =
    let cli = "--project Sbp.Experiments --"
    if text.Contains cli then Sbp(words (text.Substring(text.IndexOf cli + cli.Length)))
    elif text = "sbp" || text.StartsWith "sbp " then Sbp(words text |> Array.skip 1)
    elif text.StartsWith "dotnet fsi configs/" then
        match words text with
        | ws when ws.Length >= 3 -> GridScript(ws[2], ws |> Array.skip 3 |> Array.skipWhile ((=) "--"))
        | _ -> Unknown
    elif text.StartsWith "scripts/pack.sh" then Other "builds the package feed (the package tests check what it packs)"
    elif text.StartsWith "dotnet tool install" then Other "installs the packed tool (the dotnet SDK's own command)"
    elif text.StartsWith "dotnet run -c Release --project Sbp.Tests" then Other "runs this test suite"
    elif text.StartsWith "sbatch " then Other "a Slurm command (scripts/slurm-local.sh runs it)"
    else Unknown

/// Inline examples deliberately not parsed, with the reason.
let notCommands =
    [ "sbp train <family>", "a placeholder (<family>) in the prose; the families' own examples are parsed"
      "sbp table <grid>", "a placeholder (<grid>) in the prose; `table paper-snn` is parsed"
      "sbp mnist n_free=6 rep=1 e3/10", "a line of the runner's live display, not a command"
      "sbp bench", "the verb named in a heading; its examples with a model follow"
      "sbp table", "the verb named in the prose; `table paper-snn` is parsed" ]

/// Why `sbp <args>` does not parse, or None when it does (a help request parses).
let parseError (args: string[]) =
    try
        Cli.parse args |> ignore
        None
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText -> None
    | :? ArguParseException as e -> Some(Usage.oneLine e.Message)

/// Why a grid script's arguments do not parse with the scripts' parser, or None.
let scriptParseError (args: string[]) =
    try
        ArgumentParser.Create<Script.ScriptArgs>(programName = "dotnet fsi script.fsx --").ParseCommandLine(args, raiseOnUsage = true) |> ignore
        None
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText -> None
    | :? ArguParseException as e -> Some(Usage.oneLine e.Message)

/// The grid variant flags and the `Script.Variant` case a script must offer for each.
let private variantCases = [ "--small", "Script.Small"; "--tiny", "Script.Tiny"; "--reduced", "Script.Reduced"; "--wide", "Script.Wide" ]

/// The problems of one README command (every variant), each naming the line.
let problemsOf (e: Example) =
    [ for text in variants e.Text do
          match classify text with
          | Sbp args ->
              match parseError args with
              | Some m -> $"README.md:{e.Line}: `sbp {String.Join(' ', args)}` does not parse: {m}"
              | None -> ()
          | GridScript(script, args) ->
              let path = Path.Combine(repository.Value, script)
              if not (File.Exists path) then $"README.md:{e.Line}: {script} does not exist"
              else
                  match scriptParseError args with
                  | Some m -> $"README.md:{e.Line}: `{script} {String.Join(' ', args)}` does not parse: {m}"
                  | None ->
                      let source = File.ReadAllText path
                      for flag, case in variantCases do
                          if Array.contains flag args && not (source.Contains case) then
                              $"README.md:{e.Line}: {script} does not offer {flag}"
          | Other _ -> ()
          | Unknown -> $"README.md:{e.Line}: `{text}` is neither an sbp command, a grid script nor a known other command (classify it in ReadmeTests)" ]

/// Runs `dotnet fsi --typecheck-only` on the README's F# blocks, each in its own file referencing the assemblies beside
/// the tests (this build of the library) and carrying line directives, so that an error names the README line.
let typecheck (fsharpBlocks: Example list list) =
    use d = new TempDir()
    let dir = AppContext.BaseDirectory
    let files =
        [ for i, block in List.indexed fsharpBlocks do
              let file = d.File $"block{i}.fsx"
              let head = [ for dll in [ "Sbp.Core.dll"; "sbp.dll"; "Argu.dll" ] -> $"#r @\"{Path.Combine(dir, dll)}\"" ]
              let body =
                  [ for l in block do
                        // a block written for a script in configs/ loads the library as the package: this build instead
                        if not (l.Text.TrimStart().StartsWith "#load \"Sbp.fsx\"" || l.Text.TrimStart().StartsWith "#r \"nuget: Sbp.") then
                            $"# {l.Line} \"{readmePath.Value}\""
                            l.Text ]
              File.WriteAllLines(file, head @ body)
              file ]
    let main = d.File "readme.fsx"
    File.WriteAllLines(main, [ for f in files -> $"#load @\"{f}\"" ])
    let psi = ProcessStartInfo("dotnet", [ "fsi"; "--typecheck-only"; "--nologo"; main ],
                               RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = d.Path)
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    if not (p.WaitForExit(TimeSpan.FromMinutes 3.0)) then
        p.Kill true
        failtest "dotnet fsi --typecheck-only took over 3 minutes"
    p.ExitCode, out.Result + err.Result

[<Tests>]
let tests =
    testList "Docs/README" [
        testCase "every sbp command line of the README parses with the program's parser, every grid script exists" <| fun () ->
            let lines = readme.Value
            let examples = shellCommands lines @ (inlineCommands lines |> List.filter (fun e -> not (notCommands |> List.exists (fst >> (=) e.Text))))
            let cli = examples |> List.filter (fun e -> match classify e.Text with Sbp _ -> true | _ -> false)
            Expect.isGreaterThan cli.Length 20 "the README's sbp examples are found"
            let problems = examples |> List.collect problemsOf
            Expect.isEmpty problems (String.Join("\n", problems))

        testCase "every configs/ file the README names exists" <| fun () ->
            let missing =
                [ for i, l in Array.indexed readme.Value do
                      for m in Regex.Matches(l, @"configs/[\w.-]+\.(fsx|Config)") do
                          if not (File.Exists(Path.Combine(repository.Value, m.Value))) then $"README.md:{i + 1}: {m.Value}" ]
            Expect.isEmpty missing (String.Join("\n", missing))

        testCase "a broken command is caught: parse failures, missing scripts and unknown commands name the line" <| fun () ->
            let p text = problemsOf { Line = 7; Text = text }
            Expect.isEmpty (p "sbp train snn --rule sbp --depth 2") "a good line"
            Expect.stringContains (p "sbp train snn --rule sbpp").Head "README.md:7" "a bad rule"
            Expect.equal (p "dotnet run -c Release --project Sbp.Experiments -- trian snn").Length 1 "a mistyped verb"
            Expect.equal (p "sbp report [--allow-missing | --allow-mising]").Length 1 "the bad variant of an optional part"
            Expect.stringContains (p "dotnet fsi configs/no-such.fsx").Head "does not exist" "a missing script"
            Expect.stringContains (p "dotnet fsi configs/smoke.fsx --small").Head "does not offer --small" "a variant the script lacks"
            Expect.stringContains (p "make all").Head "neither" "an unknown command"

        testCase "every F# block of the README type-checks against this build of the library" <| fun () ->
            let fsharp = [ for lang, body in blocks readme.Value do if lang = "fsharp" then body ]
            Expect.isNonEmpty fsharp "the README has F# examples"
            let code, output = typecheck fsharp
            Expect.equal code 0 $"dotnet fsi --typecheck-only of the README's F# blocks:\n{output}"

        testCase "a README F# block that does not compile fails the check, naming its README line" <| fun () ->
            let broken = [ [ { Line = 240; Text = "open Sbp.Experiments" }; { Line = 241; Text = "let c = { SnnConfig.defaults with Epochs = 5 }" } ] ]
            let code, output = typecheck broken
            Expect.notEqual code 0 "a block that does not compile"
            Expect.stringContains output $"{readmePath.Value}(241" "the README line"

        testCase "the cheap examples run for real: --version, data info nettalk, --help" <| fun () ->
            let cheap (args: string[]) =
                args = [| "--version" |] || args = [| "data"; "info"; "nettalk" |] || Array.contains "--help" args
            let runs =
                [ for e in shellCommands readme.Value @ inlineCommands readme.Value do
                      match classify e.Text with
                      | Sbp args when cheap args -> e, args
                      | _ -> () ]
            Expect.isGreaterThanOrEqual runs.Length 3 "--version, data info nettalk and a --help are README examples"
            for e, args in runs do
                let code, out, err = Sbp.Tests.Experiments.CliTests.sbp (List.ofArray args)
                Expect.equal code 0 $"README.md:{e.Line}: `sbp {String.Join(' ', args)}` exits 0 ({err.Trim()})"
                Expect.isNotEmpty (out.Trim()) $"README.md:{e.Line}: prints its answer" ]
