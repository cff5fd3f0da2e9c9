/// Claims on experiments, so that runners sharing one results folder (two processes on one machine, or the tasks
/// of a cluster job on shared storage) train each experiment once.
///
/// A claim is the file `claim.json` beside the experiment's record, created with create-new semantics (only one
/// creator succeeds). It names its owner (host, process id, a random token) and its owner touches it every
/// `Heartbeat` while it trains. A claim is *stale* when its heartbeat is older than `StaleAfter`, or when its owner
/// is a process of this host that no longer exists; a stale claim is taken over by renaming it away first (only one
/// renamer succeeds), then claiming anew. The owner deletes its claim once the record is written.
module Sbp.Experiments.Claims

open System
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

type Owner = { Host: string; Pid: int; Token: string }

let private me = { Host = Environment.MachineName; Pid = Environment.ProcessId; Token = Guid.NewGuid().ToString("N") }

/// This process as a claim owner.
let self () = me

let claimPath (experimentDir: string) = Path.Combine(experimentDir, "claim.json")

let private ownerJson (o: Owner) =
    JsonSerializer.Serialize(
        {| host = o.Host; pid = o.Pid; token = o.Token; claimedUtc = DateTime.UtcNow.ToString("o") |})

/// The owner a claim file names, or None when it cannot be read (being written, deleted, corrupt, not a regular
/// file: a FIFO named claim.json is never opened).
let readOwner (path: string) =
    try
        use doc = JsonDocument.Parse(Files.readText (64L * 1024L) path, JsonDocumentOptions(AllowDuplicateProperties = false))
        let r = doc.RootElement
        Some { Host = r.GetProperty("host").GetString(); Pid = r.GetProperty("pid").GetInt32(); Token = r.GetProperty("token").GetString() }
    with _ -> None

let private processAlive (pid: int) =
    try
        use p = Diagnostics.Process.GetProcessById pid
        not p.HasExited
    with _ -> false

/// Whether the claim at `path` is abandoned under the policy.
let isStale (policy: Policy) (path: string) =
    try
        let age = DateTime.UtcNow - File.GetLastWriteTimeUtc path
        if age > policy.StaleAfter then true
        else
            match readOwner path with
            | Some o when o.Host = Environment.MachineName && o.Pid <> Environment.ProcessId -> not (processAlive o.Pid)
            // unreadable for longer than a writer needs to write it: treat as abandoned
            | None -> age > TimeSpan.FromSeconds 10.0
            | Some _ -> false
    with :? FileNotFoundException | :? DirectoryNotFoundException -> false

/// A held claim: refreshed in the background until disposed, then deleted.
type Claim internal (path: string, policy: Policy) =
    let refresh _ =
        try File.SetLastWriteTimeUtc(path, DateTime.UtcNow) with _ -> ()
    let timer = new Timer(refresh, null, policy.Heartbeat, policy.Heartbeat)
    member _.Path = path
    interface IDisposable with
        member _.Dispose() =
            timer.Dispose()
            match readOwner path with
            | Some o when o.Token = me.Token -> (try File.Delete path with _ -> ())
            | _ -> ()

let private tryCreate (path: string) =
    try
        use fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None)
        let bytes = Text.Encoding.UTF8.GetBytes(ownerJson me)
        fs.Write(bytes, 0, bytes.Length)
        fs.Flush true
        true
    with :? IOException when File.Exists path -> false

/// Claims the experiment whose folder is `experimentDir`: Some claim when this process now owns it, None when
/// another live owner holds it. A stale claim is taken over.
let tryClaim (policy: Policy) (experimentDir: string) : Claim option =
    Directory.CreateDirectory experimentDir |> ignore
    let path = claimPath experimentDir
    let owned () = Some(new Claim(path, policy))
    if tryCreate path then owned ()
    elif isStale policy path then
        // take over: only one of several runners that saw the stale claim can rename it away
        let grave = $"{path}.stale-{me.Token}"
        let moved =
            try
                File.Move(path, grave)
                true
            with :? IOException | :? UnauthorizedAccessException -> false
        if moved then (try File.Delete grave with _ -> ())
        if moved && tryCreate path then owned () else None
    else None

/// Deletes temporary files (`*.tmp-*`, `claim.json.stale-*`) under a grid folder that are older than `age`: a writer
/// renames its temporary file within milliseconds, so an old one is what a killed process left behind.
/// Returns the number removed.
let cleanStale (gridDir: string) (age: TimeSpan) =
    if not (Directory.Exists gridDir) then 0
    else
        let old (f: string) = DateTime.UtcNow - File.GetLastWriteTimeUtc f > age
        let candidates =
            Seq.append
                (Directory.EnumerateFiles(gridDir, "*.tmp-*", SearchOption.AllDirectories))
                (Directory.EnumerateFiles(gridDir, "claim.json.stale-*", SearchOption.AllDirectories))
        let mutable removed = 0
        for f in candidates |> Seq.toArray do
            if old f then
                try
                    File.Delete f
                    removed <- removed + 1
                with _ -> ()
        removed
