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
        | _ ->
            // the schema's short name where it is one word (n_free), a spread's field without its prefix (depth), else
            // the key
            match Families.words k with
            | Some(_, short) when not (short.Contains ' ') -> $"{short}={v}"
            | _ when k.StartsWith "sbp." -> $"{k.Substring 4}={v}"
            | _ -> $"{k}={v}"
    [ for d in descriptions -> String.Join(" ", varying |> List.map (fun k -> part k (valueOf k d))) ]

/// Cuts a text to `width` characters, marking the cut.
let fit (width: int) (s: string) =
    if width <= 1 then "" elif s.Length <= width then s else s.Substring(0, width - 1) + "…"

/// The widths of a running experiment's line in a terminal of `width` columns: its progress bar (a fifth of the line,
/// 10 to 40 cells: 16 at 80 columns, 28 at 140) and its label (the rest after the bar, the percentage and the time
/// left, and their gaps: 17 columns).
let layout (width: int) =
    let bar = min 40 (max 10 (width / 5))
    bar, max 16 (width - bar - 17)

/// The time left, extrapolated from the progress made since `first` (seconds, fraction done) — the first report after
/// the start, so that loading data and compiling do not count as progress time — to `now` (seconds) and `fraction`
/// done. None until the estimate can be trusted: 10 s of progress measured, or 2% of the work done since then.
let estimate (first: (float * float) option) (now: float) (fraction: float) =
    match first with
    | Some(t0, f0) when fraction > f0 && fraction < 1.0 && (now - t0 >= 10.0 || fraction - f0 >= 0.02) ->
        Some(TimeSpan.FromSeconds((1.0 - fraction) * (now - t0) / (fraction - f0)))
    | Some _ when fraction >= 1.0 -> Some TimeSpan.Zero
    | _ -> None

/// A time left as hh:mm:ss (hours beyond 24 kept).
let clock (t: TimeSpan) = $"{int t.TotalHours:D2}:{t.Minutes:D2}:{t.Seconds:D2}"

/// A time left in few characters, for a plain line: 45s, 2m13s, 1h05m.
let short (t: TimeSpan) =
    if t.TotalHours >= 1.0 then $"{int t.TotalHours}h{t.Minutes:D2}m"
    elif t.TotalMinutes >= 1.0 then $"{t.Minutes}m{t.Seconds:D2}s"
    else $"{t.Seconds}s"

/// The time left of a task (`estimate`), "--:--:--" while it cannot be trusted; the task's first report after its
/// start is kept in its Tag.
type TimeLeftColumn() =
    inherit ProgressColumn()
    override _.GetColumnWidth _ = Nullable 8
    override _.Render(_, task, _) =
        let now = if task.ElapsedTime.HasValue then task.ElapsedTime.Value.TotalSeconds else 0.0
        let fraction = if task.MaxValue > 0.0 then task.Value / task.MaxValue else 0.0
        if isNull task.Tag && fraction > 0.0 then task.Tag <- box (now, fraction)
        let first = match task.Tag with :? (float * float) as p -> Some p | _ -> None
        match estimate first now fraction with
        | Some t -> Text(clock t, Style(Color.Blue))
        | None -> Text("--:--:--", Style(Color.Grey))

/// One line per event, for output that is not a terminal.
type PlainDisplay(log: string -> unit) =
    let lastEpoch = ConcurrentDictionary<string, int>()
    let partial = ConcurrentDictionary<string, float>()
    let mutable total = 0
    let mutable finished = 0
    let mutable first: (float * float) option = None
    let watch = Diagnostics.Stopwatch()
    // the grid's fraction done: finished runs and the running ones' parts
    let fraction () = (float (Volatile.Read &finished) + Seq.sum partial.Values) / float (max 1 total)
    let eta () =
        match estimate first watch.Elapsed.TotalSeconds (fraction ()) with
        | Some t -> short t
        | None -> "?"
    interface IDisplay with
        member _.Start(grid, n) =
            total <- n
            watch.Start()
            log $"grid {grid}: {n} to run"
        member _.Progress(id, label, epoch, epochs, f) =
            partial[id] <- f
            if first.IsNone then first <- Some(watch.Elapsed.TotalSeconds, fraction ())
            // a line when an experiment enters an epoch, not on every batch
            let previous = lastEpoch.GetOrAdd(id, 0)
            if epoch > previous && lastEpoch.TryUpdate(id, epoch, previous) then
                log $"  epoch {epoch}/{epochs}  {id}  {label}"
        member _.Finished(id, label, summary) =
            let d = Interlocked.Increment &finished
            lastEpoch.TryRemove id |> ignore
            partial.TryRemove id |> ignore
            log $"  done   {id}  {label}  {summary}  [{d}/{total}, ETA {eta ()}]"
        member _.Failed(id, label, reason) =
            let d = Interlocked.Increment &finished
            lastEpoch.TryRemove id |> ignore
            partial.TryRemove id |> ignore
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
    // the bar is sized to the terminal; the label gets the rest of the line
    let labelWidth () = snd (layout console.Profile.Width)
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
                   ProgressBarColumn(Width = Nullable(fst (layout console.Profile.Width)))
                   PercentageColumn()
                   TimeLeftColumn() |]
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
