/// Git metadata of a run, gathered at the edge (the CLI and the grid runner), never by the training code.
module Sbp.Experiments.Git

open System.Diagnostics

/// The commit of the git checkout holding `folder` (with "+dirty" when tracked files outside results/ changed), or
/// "unknown" outside a checkout or without git.
let commitOf (folder: string) =
    let git (args: string) =
        try
            let psi = ProcessStartInfo("git", args, WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true)
            use p = Process.Start psi
            let out = p.StandardOutput.ReadToEnd().Trim()
            p.WaitForExit()
            if p.ExitCode = 0 then Some out else None
        with _ -> None
    match git "rev-parse HEAD" with
    | Some sha when sha <> "" ->
        // results/ holds run records, not code: rewriting them does not make the code dirty
        match git "status --porcelain --untracked-files=no -- \":(top)\" \":(exclude,top)results\"" with
        | Some "" -> sha
        | Some _ -> sha + "+dirty"
        | None -> sha
    | _ -> "unknown"

/// The commit of the program's working folder, looked up once.
let current = lazy (commitOf System.Environment.CurrentDirectory)
