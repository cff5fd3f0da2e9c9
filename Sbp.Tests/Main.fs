module Sbp.Tests.Main

open Expecto
open Expecto.Impl

/// The summary's last line: "N passed, N failed" first (what CI counts), then the ignored tests.
let summaryLine (passed: int) (failed: int) (ignored: int) = $"{passed} passed, {failed} failed, {ignored} ignored"

/// Runs every test of the assembly and ends with a plain "N passed, N failed, N ignored" line.
[<EntryPoint>]
let main argv =
    // a claimant process of the claims test (Experiments/Claims), not a test run
    if argv.Length > 0 && argv[0] = "claim-race" then Experiments.ClaimsTests.raceMain argv[1..] else
    TestSupport.ensureProvisioned.Force()
    let mutable counts = None
    let counting (printer: TestPrinters) =
        { printer with
            summary =
                fun config summary ->
                    async {
                        do! printer.summary config summary
                        let failed = summary.failed.Length + summary.errored.Length + summary.timedOut.Length
                        counts <- Some(summary.passed.Length, failed, summary.ignored.Length)
                    } }
    let code =
        runTestsInAssemblyWithCLIArgs
            [ CLIArguments.Printer(counting defaultConfig.printer); CLIArguments.No_Spinner; CLIArguments.Colours 0 ] argv
    match counts with
    | Some(passed, failed, ignored) ->
        // one write, on a line of its own, so that nothing the runner still prints can land inside it
        stdout.Write($"\n{summaryLine passed failed ignored}\n")
        stdout.Flush()
    | None -> ()
    code
