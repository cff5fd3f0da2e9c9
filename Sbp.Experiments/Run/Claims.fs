/// Claims on experiments, so that runners sharing one results folder (two processes on one machine, or the tasks
/// of a cluster job on shared storage) train each experiment once.
///
/// A claim is the file `claim.json` beside the experiment's record, created with create-new semantics (only one
/// creator succeeds). It names its owner (host, process id, a token of its own) and its owner touches it every
/// `Heartbeat` while it trains. A claim is *stale* when its heartbeat is older than `StaleAfter`, or when its owner
/// is a process of this host that no longer exists. A stale claim is taken over in steps that each have one winner,
/// so that of any number of runners taking over the same stale claim at once exactly one owns the experiment:
///   1. the marker `claim.json.takeover-<token of the stale claim>` is created exclusively: the one creator alone
///      may replace that very claim (the others back off);
///   2. it reads the claim again: still the stale one (its owner may have released it, or it was replaced)?
///   3. it renames the claim to a tombstone of its own and checks that the tombstone is the stale claim;
///   4. it creates the new claim exclusively (a runner that claimed the freed experiment meanwhile keeps it),
///      deletes the tombstone, then the marker.
/// Whoever loses a step backs off and reports the experiment as claimed (the caller re-reads the owner). The owner
/// deletes its claim once the record is written. Markers and tombstones left by a killed process are removed, with
/// the other temporary files, once they are a minute old (`cleanStale`).
module Sbp.Experiments.Claims

open System
open System.Collections.Concurrent
open System.IO
open System.Text.Json
open System.Threading

/// When a claim counts as abandoned.
type Policy =
    { /// How often an owner refreshes its claim.
      Heartbeat: TimeSpan
      /// A claim not refreshed for this long is stale, whoever owns it.
      StaleAfter: TimeSpan }

let defaultPolicy = { Heartbeat = TimeSpan.FromSeconds 30.0; StaleAfter = TimeSpan.FromMinutes 5.0 }

/// The owner a claim names: host, process id and the claim's own token (one per claim, never reused).
type Owner = { Host: string; Pid: int; Token: string }

let private newOwner () = { Host = Environment.MachineName; Pid = Environment.ProcessId; Token = Guid.NewGuid().ToString("N") }

let claimPath (experimentDir: string) = Path.Combine(experimentDir, "claim.json")

/// A claim file is a few hundred bytes; a larger one is not read (it counts as unreadable).
let private maxBytes = 64L * 1024L

let private ownerJson (o: Owner) =
    JsonSerializer.Serialize(
        {| host = o.Host; pid = o.Pid; token = o.Token; claimedUtc = DateTime.UtcNow.ToString("o") |})

let private ownerOf (text: string) =
    try
        use doc = JsonDocument.Parse(text, JsonDocumentOptions(AllowDuplicateProperties = false))
        let r = doc.RootElement
        match r.GetProperty("host").GetString(), r.GetProperty("token").GetString() with
        | null, _ | _, null -> None
        | host, token -> Some { Host = host; Pid = r.GetProperty("pid").GetInt32(); Token = token }
    with _ -> None

/// The owner a claim file names, or None when it cannot be read (being written, deleted, corrupt, not a regular
/// file: a FIFO named claim.json is never opened).
let readOwner (path: string) =
    try ownerOf (Files.readText maxBytes path) with _ -> None

/// A claim file as read once: its owner when readable, when it was last written, and what identifies it (its token;
/// for an unreadable claim, its time of writing and size).
type private Seen = { Owner: Owner option; Written: DateTime; Identity: string }

/// The claim file at `path` as it is now, or None when there is none. Its owner and its time of writing are read
/// from the one file opened, so that a claim renamed away and replaced meanwhile is never seen with the new claim's
/// owner and the old one's time (which would make a fresh claim look stale).
let private look (path: string) =
    try
        match Files.kind path with
        | Files.Missing -> None
        | kind ->
            let opened =
                match kind with
                | Files.Regular _ -> (try Some(Files.readTextAndTime maxBytes path) with :? IOException | :? UnauthorizedAccessException -> None)
                | _ -> None
            match opened with
            | Some(text, written) ->
                match ownerOf text with
                | Some o -> Some { Owner = Some o; Written = written; Identity = o.Token }
                | None -> Some { Owner = None; Written = written; Identity = $"u{written.Ticks}-{Text.Encoding.UTF8.GetByteCount text}" }
            | None ->
                // not readable now (being written under its writer's lock, gone, not a regular file)
                let written = File.GetLastWriteTimeUtc path
                // (a path that is gone reads as written in 1601)
                if written.Year > 1601 && (File.Exists path || Directory.Exists path) then Some { Owner = None; Written = written; Identity = $"u{written.Ticks}" }
                else None
    with :? IOException | :? UnauthorizedAccessException -> None

let private processAlive (pid: int) =
    try
        use p = Diagnostics.Process.GetProcessById pid
        not p.HasExited
    with _ -> false

let private staleSeen (policy: Policy) (s: Seen) =
    let age = DateTime.UtcNow - s.Written
    if age > policy.StaleAfter then true
    else
        match s.Owner with
        | Some o when o.Host = Environment.MachineName && o.Pid <> Environment.ProcessId -> not (processAlive o.Pid)
        // unreadable for longer than a writer needs to write it: treat as abandoned
        | None -> age > TimeSpan.FromSeconds 10.0
        | Some _ -> false

/// Whether the claim at `path` is abandoned under the policy.
let isStale (policy: Policy) (path: string) =
    match look path with
    | Some s -> staleSeen policy s
    | None -> false

/// Whether an IOException says that the file to create exists already (EEXIST on Unix; ERROR_FILE_EXISTS or
/// ERROR_ALREADY_EXISTS on Windows).
let private alreadyExists (e: IOException) =
    e.HResult = 17 || (e.HResult &&& 0xFFFF) = 80 || (e.HResult &&& 0xFFFF) = 183

/// Creates `path` holding `text` if no file of that name exists (create-new: of simultaneous creators exactly one
/// succeeds); false when it exists. A failed write leaves no file behind. The file is shared with readers while it is
/// written (they see it unreadable, and fresh): an exclusive lock (FileShare.None) would fail on a reader that opened
/// the new file first, leaving it created and owned by no one.
let private tryCreate (path: string) (text: string) =
    let created =
        try Some(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite ||| FileShare.Delete))
        with :? IOException as e when alreadyExists e -> None
    match created with
    | None -> false
    | Some fs ->
        try
            use fs = fs
            let bytes = Text.Encoding.UTF8.GetBytes text
            fs.Write(bytes, 0, bytes.Length)
            fs.Flush true
            true
        with _ ->
            (try File.Delete path with _ -> ())
            reraise ()

let private deleteQuietly (path: string) = try File.Delete path with _ -> ()

/// Renames `source` to `target` (a name of this process's own); false when `source` is gone.
let private tryMove (source: string) (target: string) =
    try
        File.Move(source, target, false)
        true
    with :? IOException | :? UnauthorizedAccessException -> false

/// The release of every claim this process holds, by token (see `releaseAll`).
let private held = ConcurrentDictionary<string, unit -> unit>()

/// Deletes the claim at `path` if it is still `owner`'s: renamed to a tombstone of its own first and checked there,
/// so that a claim another runner took over meanwhile is put back, never deleted.
let private release (path: string) (owner: Owner) =
    match look path with
    | Some s when s.Identity = owner.Token ->
        let tomb = $"{path}.stale-{owner.Token}"
        if tryMove path tomb then
            match look tomb with
            | Some moved when moved.Identity = owner.Token -> deleteQuietly tomb
            | _ -> tryMove tomb path |> ignore
    | _ -> ()

/// A held claim: refreshed in the background until disposed, then deleted.
type Claim internal (path: string, owner: Owner, policy: Policy) =
    let refresh _ =
        // only while the claim is still this one's (a runner that took it over owns the file now)
        match look path with
        | Some s when s.Identity = owner.Token -> (try File.SetLastWriteTimeUtc(path, DateTime.UtcNow) with _ -> ())
        | _ -> ()
    let timer = new Timer(refresh, null, policy.Heartbeat, policy.Heartbeat)
    let mutable released = 0
    let releaseOnce () =
        if Interlocked.Exchange(&released, 1) = 0 then
            timer.Dispose()
            held.TryRemove owner.Token |> ignore
            release path owner
    do held[owner.Token] <- releaseOnce
    member _.Path = path
    /// The owner this claim names (this process, and the claim's own token).
    member _.Owner = owner
    interface IDisposable with
        member _.Dispose() = releaseOnce ()

/// Releases every claim this process holds (its claim files deleted): for a process about to exit without
/// unwinding (the runner's forced stop after a signal), so that other runners need not wait for the claims to go stale.
let releaseAll () =
    for KeyValue(_, releaseOne) in Array.ofSeq held do
        try releaseOne () with _ -> ()

/// What became of a takeover.
type private Takeover =
    | Won
    /// The claim went away meanwhile: claim the free experiment.
    | Vanished
    /// Another runner replaces or holds it.
    | Lost

/// Takes over the stale claim `seen` at `path` for `owner` (the steps in the module's summary).
let private takeOver (path: string) (owner: Owner) (seen: Seen) =
    let marker = $"{path}.takeover-{seen.Identity}"
    if not (tryCreate marker owner.Token) then Lost
    else
        try
            match look path with
            | None -> Vanished
            | Some now when now.Identity <> seen.Identity -> Lost
            | Some _ ->
                let tomb = $"{path}.stale-{owner.Token}"
                if not (tryMove path tomb) then Vanished
                else
                    match look tomb with
                    | Some moved when moved.Identity = seen.Identity ->
                        deleteQuietly tomb
                        if tryCreate path (ownerJson owner) then Won else Lost
                    | _ ->
                        // another claim than the stale one was moved (its owner released the stale claim and a third
                        // runner claimed anew in between): put it back; should the name be taken again, the tombstone
                        // is left for `cleanStale`
                        tryMove tomb path |> ignore
                        Lost
        finally
            deleteQuietly marker

/// `tryClaim`, running `beforeTakeover` between judging a claim stale and taking it over (for the tests: another
/// runner's takeover at that very moment).
let internal tryClaimWith (beforeTakeover: unit -> unit) (policy: Policy) (experimentDir: string) : Claim option =
    Directory.CreateDirectory experimentDir |> ignore
    let path = claimPath experimentDir
    let owner = newOwner ()
    let deadline = DateTime.UtcNow + TimeSpan.FromSeconds 15.0
    let rec attempt (tries: int) =
        if tryCreate path (ownerJson owner) then Some(new Claim(path, owner, policy))
        else
            match look path with
            // released between the two steps: claim the free experiment again
            | None -> if tries > 1 then attempt (tries - 1) else None
            // unreadable and young: its creator is writing it, or was killed between creating and writing it; look
            // again until it names its owner or is old enough to count as abandoned, instead of leaving the
            // experiment unrun to a claim that no process holds
            | Some seen when seen.Owner.IsNone && not (staleSeen policy seen) && DateTime.UtcNow < deadline ->
                Threading.Thread.Sleep 250
                attempt tries
            | Some seen when not (staleSeen policy seen) -> None
            | Some seen ->
                beforeTakeover ()
                match takeOver path owner seen with
                | Won -> Some(new Claim(path, owner, policy))
                | Vanished -> if tries > 1 then attempt (tries - 1) else None
                | Lost -> None
    attempt 3

/// Claims the experiment whose folder is `experimentDir`: Some claim when this process now owns it, None when
/// another live owner holds it (or is taking it over). A stale claim is taken over; of any number of runners doing so
/// at once, exactly one owns it afterwards.
let tryClaim (policy: Policy) (experimentDir: string) : Claim option = tryClaimWith ignore policy experimentDir

/// Deletes temporary files (`*.tmp-*`; a claim's tombstones `claim.json.stale-*` and takeover markers
/// `claim.json.takeover-*`) under a grid folder that are older than `age`: a writer renames its temporary file
/// within milliseconds, so an old one is what a killed process left behind. Symbolic links are not followed (a
/// linked folder is not searched, a linked file not deleted), and a grid folder that is a link is left alone.
/// Returns the number removed.
let cleanStale (gridDir: string) (age: TimeSpan) =
    if not (Directory.Exists gridDir) || Files.isLink gridDir then 0
    else
        let old (f: string) = DateTime.UtcNow - File.GetLastWriteTimeUtc f > age
        let within = EnumerationOptions(RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true)
        let candidates =
            [ "*.tmp-*"; "claim.json.stale-*"; "claim.json.takeover-*" ]
            |> Seq.collect (fun pattern -> Directory.EnumerateFiles(gridDir, pattern, within))
            |> Seq.distinct
        let mutable removed = 0
        for f in candidates |> Seq.toArray do
            if old f && not (Files.isLink f) then
                try
                    File.Delete f
                    removed <- removed + 1
                with _ -> ()
        removed
