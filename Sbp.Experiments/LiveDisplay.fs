/// What a running grid shows: in a terminal, a live display (Spectre.Console) with an overall bar and its ETA and one
/// line per running experiment, sized to the terminal, finished and failed runs printed above it; anywhere else
/// (CI, a file), one plain line per event.
module Sbp.Experiments.LiveDisplay

open System
open System.Collections.Concurrent
open System.Threading
open Spectre.Console

/// The events the runner reports. Every member may be called from any thread.
type IDisplay =
    /// The grid starts: its name and the number of experiments to run.
    abstract Start: grid: string * total: int -> unit
    /// An experiment advanced: its id, its label, the epoch it is in (1-based) of all epochs, and the fraction of
    /// the whole run done (0 to 1).
    abstract Progress: id: string * label: string * epoch: int * epochs: int * fraction: float -> unit
    /// An experiment finished; `summary` says how (its best test metric, say).
    abstract Finished: id: string * label: string * summary: string -> unit
    /// An experiment failed or could not run.
    abstract Failed: id: string * label: string * reason: string -> unit
    /// The grid is over: the display is taken down.
    abstract Stop: unit -> unit

/// The parameters that tell the experiments of a grid apart, as one short label per experiment: the keys whose
/// values differ between experiments, in their order, as key=value (a rule or a data set by its name alone); a key
/// whose value follows from the keys already shown (a rule's settings once its name is shown) is left out.
let distinguishingLabels (descriptions: (string * string) list list) =
    let keys = descriptions |> List.collect (List.map fst) |> List.distinct
    let valueOf k (d: (string * string) list) = d |> List.tryFind (fst >> (=) k) |> Option.map snd |> Option.defaultValue "–"
    let determined (chosen: string list) k =
        descriptions
        |> List.groupBy (fun d -> chosen |> List.map (fun c -> valueOf c d))
        |> List.forall (fun (_, members) -> (members |> List.map (valueOf k) |> List.distinct).Length = 1)
    let varying =
        keys
        |> List.filter (fun k -> (descriptions |> List.map (valueOf k) |> List.distinct).Length > 1)
        |> List.fold (fun chosen k -> if determined chosen k then chosen else chosen @ [ k ]) []
    // short forms, so that the values fit an 80-column line: a rule or a data set names itself
    let part k v =
        match k with
        | "rule" | "dataset" | "model" -> v
        | "replicate" -> $"rep={v}"
        | "freeIterations" -> $"n_free={v}"
        | "nudgeIterations" -> $"n_nudge={v}"
        | "sbp.depth" -> $"depth={v}"
        | _ -> $"{k}={v}"
    [ for d in descriptions -> String.Join(" ", varying |> List.map (fun k -> part k (valueOf k d))) ]

/// Cuts a text to `width` characters, marking the cut.
let fit (width: int) (s: string) =
    if width <= 1 then "" elif s.Length <= width then s else s.Substring(0, width - 1) + "…"

/// One line per event, for output that is not a terminal.
type PlainDisplay(log: string -> unit) =
    let lastEpoch = ConcurrentDictionary<string, int>()
    let mutable total = 0
    let mutable finished = 0
    let watch = Diagnostics.Stopwatch()
    let eta () =
        let d = Volatile.Read &finished
        if d = 0 then "?" else TimeSpan.FromSeconds(watch.Elapsed.TotalSeconds / float d * float (total - d)).ToString(@"hh\:mm\:ss")
    interface IDisplay with
        member _.Start(grid, n) =
            total <- n
            watch.Start()
            log $"grid {grid}: {n} to run"
        member _.Progress(id, label, epoch, epochs, _) =
            // a line when an experiment enters an epoch, not on every batch
            let previous = lastEpoch.GetOrAdd(id, 0)
            if epoch > previous && lastEpoch.TryUpdate(id, epoch, previous) then
                log $"  epoch {epoch}/{epochs}  {id}  {label}"
        member _.Finished(id, label, summary) =
            let d = Interlocked.Increment &finished
            lastEpoch.TryRemove id |> ignore
            log $"  done   {id}  {label}  {summary}  [{d}/{total}, ETA {eta ()}]"
        member _.Failed(id, label, reason) =
            let d = Interlocked.Increment &finished
            lastEpoch.TryRemove id |> ignore
            log $"  FAILED {id}  {label}: {reason}  [{d}/{total}]"
        member _.Stop() = ()

/// The live display in a terminal: the overall bar first, then one bar per running experiment; finished and
/// failed runs are printed above the live area (Spectre renders other output above a live display).
type LiveTerminalDisplay(console: IAnsiConsole) =
    let running = ConcurrentDictionary<string, ProgressTask * float ref>()
    let ready = new ManualResetEventSlim(false)
    let stop = new ManualResetEventSlim(false)
    let mutable context: ProgressContext = null
    let mutable overall: ProgressTask = null
    let mutable thread: Thread = null
    let mutable total = 0
    let mutable finished = 0
    let mutable grid = ""
    // the bar, percentage and ETA columns and their gaps take 31 characters; the label gets the rest of the line
    let labelWidth () = max 16 (console.Profile.Width - 33)
    let refreshOverall () =
        if not (isNull overall) then
            let partial = running.Values |> Seq.sumBy (fun (_, f) -> f.Value)
            overall.Value <- float (Volatile.Read &finished) + partial
            overall.Description <- Markup.Escape(fit (labelWidth ()) $"{grid}: {Volatile.Read &finished}/{total} done")
    let remove (id: string) =
        match running.TryRemove id with
        | true, (task, _) ->
            task.Value <- task.MaxValue
            task.StopTask()
        | _ -> ()
    interface IDisplay with
        member _.Start(name, n) =
            grid <- name
            total <- n
            let columns: ProgressColumn[] =
                [| TaskDescriptionColumn(Alignment = Justify.Left)
                   ProgressBarColumn(Width = Nullable 16)
                   PercentageColumn()
                   RemainingTimeColumn() |]
            let progress = console.Progress().AutoRefresh(true).AutoClear(true).HideCompleted(true).Columns(columns)
            thread <-
                Thread(
                    (fun () ->
                        progress.Start(fun ctx ->
                            context <- ctx
                            overall <- ctx.AddTask(Markup.Escape(fit (labelWidth ()) $"{name}: 0/{n} done"), true, float (max 1 n))
                            ready.Set()
                            stop.Wait())),
                    IsBackground = true)
            thread.Start()
            ready.Wait()
        member _.Progress(id, label, epoch, epochs, fraction) =
            let task, f =
                running.GetOrAdd(id, fun _ -> context.AddTask(Markup.Escape(fit (labelWidth ()) label), true, 100.0), ref 0.0)
            f.Value <- fraction
            task.Value <- 100.0 * fraction
            task.Description <- Markup.Escape(fit (labelWidth ()) $"{label} e{epoch}/{epochs}")
            refreshOverall ()
        member _.Finished(id, label, summary) =
            remove id
            Interlocked.Increment &finished |> ignore
            refreshOverall ()
            console.MarkupLine(Markup.Escape(fit (console.Profile.Width - 1) $"done   {label}  {summary}"))
        member _.Failed(id, label, reason) =
            remove id
            Interlocked.Increment &finished |> ignore
            refreshOverall ()
            console.MarkupLine("[red]FAILED[/] " + Markup.Escape(fit (console.Profile.Width - 8) $"{label}: {reason}"))
        member _.Stop() =
            if not (isNull thread) then
                stop.Set()
                thread.Join()
                thread <- null

/// The display for this process: live when `live` (a terminal), plain lines through `log` otherwise.
let create (live: bool) (log: string -> unit) : IDisplay =
    if live then LiveTerminalDisplay(AnsiConsole.Console) else PlainDisplay(log)
