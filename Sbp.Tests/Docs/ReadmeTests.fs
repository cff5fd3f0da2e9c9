/// Every example of the README and of every page under docs/ is checked against this build: each `sbp` command line
/// parses with the program's own Argu parser (`Cli.parse`, the entry `main` calls), each grid script it names exists
/// and its options parse with the scripts' parser, each F# block type-checks against the library (`dotnet fsi
/// --typecheck-only`), the examples that are cheap to run (`--version`, `data info nettalk`, a `--help`) run, and
/// every relative link leads to a file. A failure names the page and its line.
module Sbp.Tests.Docs.ReadmeTests

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Argu
open Expecto
open Sbp.Experiments
open Sbp.Tests.TestSupport

/// The documentation pages, relative to the repository: README.md and every docs/*.md.
let pages =
    lazy
        [ yield "README.md"
          for f in Directory.GetFiles(Path.Combine(repository.Value, "docs"), "*.md") |> Array.sort ->
              "docs/" + Path.GetFileName f ]

/// The lines of a page.
let private linesOf (page: string) = File.ReadAllLines(Path.Combine(repository.Value, page))

/// A piece of a page: the page (relative to the repository), the line it starts on (1-based) and its text.
type Example = { File: string; Line: int; Text: string }

/// The fenced blocks of a page's lines: language tag and content lines (with their line numbers).
let blocks (file: string) (lines: string[]) =
    let mutable current: (string * ResizeArray<Example>) option = None
    [ for i in 0 .. lines.Length - 1 do
          let t = lines[i].Trim()
          match current with
          | None when t.StartsWith "```" -> current <- Some(t.Substring(3).Trim(), ResizeArray())
          | None -> ()
          | Some(lang, body) when t.StartsWith "```" ->
              yield lang, List.ofSeq body
              current <- None
          | Some(_, body) -> body.Add { File = file; Line = i + 1; Text = lines[i] } ]

/// The commands of the shell blocks: a trailing `\` joins the next line, a `#` comment is dropped.
let shellCommands (file: string) (lines: string[]) =
    [ for lang, body in blocks file lines do
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
let inlineCommands (file: string) (lines: string[]) =
    let mutable fenced = false
    [ for i in 0 .. lines.Length - 1 do
          if lines[i].Trim().StartsWith "```" then fenced <- not fenced
          elif not fenced then
              for m in Regex.Matches(lines[i], "`([^`]+)`") do
                  let t = m.Groups[1].Value
                  if t.StartsWith "sbp " || t.Contains "--project Sbp.Experiments --" then yield { File = file; Line = i + 1; Text = t } ]


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
      "sbp table", "the verb named in the prose; `table paper-snn` is parsed"
      "sbp sweep <family> --vary key=…", "a placeholder (<family>, key) in the prose; the sweeps' own examples are parsed"
      "sbp sweep <family>", "a placeholder (<family>) in the prose"
      "sbp train", "the verb named in the prose; its families' examples are parsed"
      "sbp sweep", "the verb named in the prose; its examples are parsed" ]

/// Examples of lines the program refuses, shown with the reason it gives: each must still be refused with it.
let refused =
    [ "sbp train snn --rule symmetric --sbp-depth 3", "--sbp-depth sets the SBP spread, which the rule symmetric does not have (use --rule sbp)" ]

/// Every command of every page: its shell blocks and the commands in its prose, less the placeholders (`notCommands`).
let allCommands () =
    [ for page in pages.Value do
          let lines = linesOf page
          yield! shellCommands page lines
          yield! inlineCommands page lines |> List.filter (fun e -> not (notCommands |> List.exists (fst >> (=) e.Text))) ]

/// Why `sbp <args>` does not parse, or None when it does (a help request parses). A `train` or `sweep` line is also
/// built into its experiment or grid as the program would, so that an option its rule does not have, a configuration
/// that cannot run or an unknown sweep key is caught too.
let parseError (args: string[]) =
    try
        match (Cli.parse args).TryGetSubCommand() with
        | Some(Cli.SbpArgs.Train t) -> Program.trainExperiment t |> ignore
        | Some(Cli.SbpArgs.Sweep w) -> Program.sweepOf w |> ignore
        | _ -> ()
        None
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText -> None
    | :? ArguParseException as e -> Some(Usage.oneLine e.Message)
    | :? ArgumentException as e -> Some(e.Message.Replace($" (Parameter '{e.ParamName}')", ""))

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

/// The problems of one command of a page (every variant), each naming the page and the line.
let problemsOf (e: Example) =
    let at = $"{e.File}:{e.Line}"
    [ for text in variants e.Text do
          match classify text, refused |> List.tryFind (fst >> (=) text) with
          | Sbp args, Some(_, reason) ->
              match parseError args with
              | Some m when m.Contains reason -> ()
              | Some m -> $"{at}: `{text}` is refused for another reason than the page says: {m}"
              | None -> $"{at}: `{text}` is shown as refused but is accepted"
          | Sbp args, None ->
              match parseError args with
              | Some m -> $"{at}: `sbp {String.Join(' ', args)}` does not parse: {m}"
              | None -> ()
          | GridScript(script, args), _ ->
              let path = Path.Combine(repository.Value, script)
              if not (File.Exists path) then $"{at}: {script} does not exist"
              else
                  match scriptParseError args with
                  | Some m -> $"{at}: `{script} {String.Join(' ', args)}` does not parse: {m}"
                  | None ->
                      let source = File.ReadAllText path
                      for flag, case in variantCases do
                          if Array.contains flag args && not (source.Contains case) then
                              $"{at}: {script} does not offer {flag}"
          | Other _, _ -> ()
          | Unknown, _ -> $"{at}: `{text}` is neither an sbp command, a grid script nor a known other command (classify it in ReadmeTests)" ]

/// Runs `dotnet fsi --typecheck-only` on F# blocks of the pages, each in its own file referencing the assemblies beside
/// the tests (this build of the library) and carrying line directives, so that an error names the page and its line.
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
                            $"# {l.Line} \"{Path.Combine(repository.Value, l.File)}\""
                            l.Text ]
              File.WriteAllLines(file, head @ body)
              file ]
    let main = d.File "pages.fsx"
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

/// The relative links of a page's lines that lead nowhere: `[text](target)` outside code, the target (less its
/// #anchor) resolved from the page's folder; web links and anchors within the page are not checked.
let brokenLinks (file: string) (lines: string[]) =
    let folder = Path.GetDirectoryName(Path.Combine(repository.Value, file))
    let mutable fenced = false
    [ for i in 0 .. lines.Length - 1 do
          if lines[i].Trim().StartsWith "```" then fenced <- not fenced
          elif not fenced then
              let prose = Regex.Replace(lines[i], "`[^`]*`", "")
              for m in Regex.Matches(prose, @"\]\(([^)\s]+)\)") do
                  let target = m.Groups[1].Value
                  let path = target.Split('#')[0]
                  if path <> "" && not (Regex.IsMatch(target, "^[a-z]+:")) then
                      let full = Path.GetFullPath(Path.Combine(folder, path))
                      if not (File.Exists full || Directory.Exists full) then $"{file}:{i + 1}: {target} leads nowhere" ]

[<Tests>]
let tests =
    testList "Docs/README" [
        testCase "the pages: README.md and docs/ (data, models, networks, grids, report, speed, extending, the specification)" <| fun () ->
            for page in [ "docs/data.md"; "docs/models.md"; "docs/networks.md"; "docs/grids.md"; "docs/report.md"; "docs/speed.md"; "docs/extending.md"; "docs/SBP-SPEC.md" ] do
                Expect.contains pages.Value page $"{page} is a checked page"
            let readme = File.ReadAllText(Path.Combine(repository.Value, "README.md"))
            for page in pages.Value |> List.filter ((<>) "README.md") do
                Expect.stringContains readme $"({page})" $"README.md links {page}"

        testCase "every sbp command line of every page parses with the program's parser, every grid script exists" <| fun () ->
            let examples = allCommands ()
            let cli = examples |> List.filter (fun e -> match classify e.Text with Sbp _ -> true | _ -> false)
            Expect.isGreaterThan cli.Length 20 "the pages' sbp examples are found"
            for page in [ "README.md"; "docs/data.md"; "docs/models.md"; "docs/grids.md" ] do
                Expect.exists cli (fun e -> e.File = page) $"{page} has sbp examples, and they are found"
            let problems = examples |> List.collect problemsOf
            Expect.isEmpty problems (String.Join("\n", problems))

        testCase "every configs/ file a page names exists, every relative link leads to a file" <| fun () ->
            let missing =
                [ for page in pages.Value do
                      let lines = linesOf page
                      for i, l in Array.indexed lines do
                          for m in Regex.Matches(l, @"configs/[\w.-]+\.(fsx|Config)") do
                              if not (File.Exists(Path.Combine(repository.Value, m.Value))) then $"{page}:{i + 1}: {m.Value}"
                      yield! brokenLinks page lines ]
            Expect.isEmpty missing (String.Join("\n", missing))

        testCase "a broken link is caught, naming the page and line" <| fun () ->
            let found = brokenLinks "docs/models.md" [| "see [the specification](SBP-SPEC.md#12) and [nothing](no-such.md#x)"; "`[not a link](gone.md)`" |]
            Expect.equal found [ "docs/models.md:1: no-such.md#x leads nowhere" ] "only the missing target, with page and line"

        testCase "a broken command is caught: parse failures, missing scripts and unknown commands name the page and line" <| fun () ->
            let p text = problemsOf { File = "docs/models.md"; Line = 7; Text = text }
            Expect.isEmpty (p "sbp train snn --rule sbp --sbp-depth 2") "a good line"
            Expect.isEmpty (p "sbp train snn --rule sbp --depth 2") "the older spelling of the option"
            Expect.stringContains (p "sbp train snn --rule sbpp").Head "docs/models.md:7" "a bad rule"
            Expect.stringContains (p "sbp train snn --rule symmetric --sbp-depth 2").Head "which the rule symmetric does not have" "an option the rule lacks"
            Expect.stringContains (p "sbp sweep snn --vary sbp.dpth=0,1 --name x").Head "Did you mean 'sbp.depth'" "a mistyped sweep key"
            Expect.equal (p "dotnet run -c Release --project Sbp.Experiments -- trian snn").Length 1 "a mistyped verb"
            Expect.equal (p "sbp report [--allow-missing | --allow-mising]").Length 1 "the bad variant of an optional part"
            Expect.stringContains (p "dotnet fsi configs/no-such.fsx").Head "does not exist" "a missing script"
            Expect.stringContains (p "dotnet fsi configs/smoke.fsx --small").Head "does not offer --small" "a variant the script lacks"
            Expect.stringContains (p "make all").Head "neither" "an unknown command"
            Expect.isEmpty (p "sbp train snn --rule symmetric --sbp-depth 3") "a line shown as refused, refused with the reason shown"

        testCase "every F# block of every page type-checks against this build of the library" <| fun () ->
            let fsharp = [ for page in pages.Value do for lang, body in blocks page (linesOf page) do if lang = "fsharp" then body ]
            Expect.isNonEmpty fsharp "the pages have F# examples"
            let code, output = typecheck fsharp
            Expect.equal code 0 $"dotnet fsi --typecheck-only of the pages' F# blocks:\n{output}"

        testCase "an F# block that does not compile fails the check, naming its page and line" <| fun () ->
            let broken = [ [ { File = "docs/grids.md"; Line = 240; Text = "open Sbp.Experiments" }; { File = "docs/grids.md"; Line = 241; Text = "let c = { SnnConfig.defaults with Epochs = 5 }" } ] ]
            let code, output = typecheck broken
            Expect.notEqual code 0 "a block that does not compile"
            Expect.stringContains output $"""{Path.Combine(repository.Value, "docs/grids.md")}(241""" "the page and line"

        testCase "the cheap examples run for real: --version, data info nettalk, --help" <| fun () ->
            let cheap (args: string[]) =
                args = [| "--version" |] || args = [| "data"; "info"; "nettalk" |] || Array.contains "--help" args
            let runs =
                [ for e in allCommands () do
                      match classify e.Text with
                      | Sbp args when cheap args -> e, args
                      | _ -> () ]
            Expect.isGreaterThanOrEqual runs.Length 3 "--version, data info nettalk and a --help are examples"
            for e, args in runs |> List.distinctBy snd do
                let code, out, err = Sbp.Tests.TestSupport.sbp (List.ofArray args)
                Expect.equal code 0 $"{e.File}:{e.Line}: `sbp {String.Join(' ', args)}` exits 0 ({err.Trim()})"
                Expect.isNotEmpty (out.Trim()) $"{e.File}:{e.Line}: prints its answer" ]
