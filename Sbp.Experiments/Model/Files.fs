/// Reading files that another process or a user may have put in place (run records, artifacts, claims, a grid's log
/// of calls): only a regular file is opened. A FIFO, a device, a socket, a folder or a symbolic link is refused with
/// one line naming the path before anything is opened, so that no reader blocks on a pipe or reads a device without
/// end; a file larger than the reader's limit is refused before it is read, and reading stops at the limit should
/// the file grow meanwhile.
module Sbp.Experiments.Files

open System
open System.IO
open System.Runtime.InteropServices
open System.Text

/// What a path is, a symbolic link not followed.
type Kind =
    | Missing
    | Regular of size: int64
    | Folder
    | Link
    /// A FIFO, a device or a socket, described.
    | Special of what: string

/// A file refused by the checks below: its path and why (a one-line reason without the path).
type RefusedFileException(path: string, reason: string) =
    inherit IOException($"{path}: {reason}")
    member _.Path = path
    member _.Reason = reason

module private Native =
    // The .NET runtime's own portable lstat (System.Native, shipped with every .NET runtime on Linux and macOS). Its
    // FileStatus starts with Flags (int32), Mode (int32, the file type in the POSIX S_IFMT bits), Uid and Gid
    // (uint32), Size (int64); the buffer is larger than the whole structure.
    [<DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)>]
    extern int lstat([<MarshalAs(UnmanagedType.LPUTF8Str)>] string path, byte[] status)

/// What a path is, from its metadata only (nothing is opened; a symbolic link is reported as a link).
let private managedKind (path: string) =
    let info = FileInfo path
    if not (isNull info.LinkTarget) then Link
    elif Directory.Exists path then Folder
    elif info.Exists then Regular info.Length
    else Missing

let mutable private nativeStat = not (OperatingSystem.IsWindows())

/// What `path` is, a symbolic link not followed. On Windows, where a FIFO or a device is never a file of a folder,
/// from the file system's attributes.
let kind (path: string) =
    if not nativeStat then managedKind path
    else
        try
            let status = Array.zeroCreate<byte> 512
            if Native.lstat (path, status) <> 0 then
                if File.Exists path || Directory.Exists path then Special "not accessible" else Missing
            else
                match BitConverter.ToInt32(status, 4) &&& 0xF000 with
                | 0x8000 -> Regular(BitConverter.ToInt64(status, 16))
                | 0x4000 -> Folder
                | 0xA000 -> Link
                | 0x1000 -> Special "a FIFO (named pipe)"
                | 0x2000 -> Special "a character device"
                | 0x6000 -> Special "a block device"
                | 0xC000 -> Special "a socket"
                | _ -> Special "not a regular file"
        with :? DllNotFoundException | :? EntryPointNotFoundException ->
            nativeStat <- false
            managedKind path

/// Whether `path` is a symbolic link (to anything, or dangling).
let isLink (path: string) = kind path = Link

/// Raises a RefusedFileException naming `path` unless it is a regular file of at most `limit` bytes; returns its size.
let requireRegular (limit: int64) (path: string) =
    match kind path with
    | Regular size when size > limit -> raise (RefusedFileException(path, $"holds {size} bytes, more than the {limit} allowed: not read"))
    | Regular size -> size
    | Missing -> raise (FileNotFoundException($"{path}: no such file", path))
    | Folder -> raise (RefusedFileException(path, "is a folder, not a file"))
    | Link -> raise (RefusedFileException(path, "is a symbolic link, not a regular file: not followed"))
    | Special what -> raise (RefusedFileException(path, $"is {what}, not a regular file: not read"))

let private readOpened (limit: int64) (path: string) (stream: FileStream) =
    let buffer = new MemoryStream()
    let chunk = Array.zeroCreate<byte> 65536
    let mutable reading = true
    while reading do
        let n = stream.Read(chunk, 0, chunk.Length)
        if n = 0 then reading <- false
        else
            buffer.Write(chunk, 0, n)
            if buffer.Length > limit then raise (RefusedFileException(path, $"grew beyond the {limit} bytes allowed while being read: not read"))
    buffer.Position <- 0L
    use reader = new StreamReader(buffer, UTF8Encoding(false), true)
    reader.ReadToEnd()

let private openRead (limit: int64) (path: string) =
    requireRegular limit path |> ignore
    new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite ||| FileShare.Delete, 4096, FileOptions.SequentialScan)

/// The text of the regular file `path` (UTF-8; a byte-order mark is honoured), refused as `requireRegular` says when
/// it is anything else or holds more than `limit` bytes.
let readText (limit: int64) (path: string) =
    use stream = openRead limit path
    readOpened limit path stream

/// The text of the regular file `path` (as `readText`) and the time it was last written, both of the one file
/// opened: a file renamed or replaced meanwhile never mixes its time with another's text.
let readTextAndTime (limit: int64) (path: string) =
    use stream = openRead limit path
    let written = File.GetLastWriteTimeUtc stream.SafeFileHandle
    readOpened limit path stream, written

/// Refuses to append to or replace `path` when it exists as anything but a regular file (a FIFO would block the
/// writer; a link would send the text elsewhere).
let requireWritable (path: string) =
    match kind path with
    | Missing | Regular _ -> ()
    | Folder -> raise (RefusedFileException(path, "is a folder, not a file"))
    | Link -> raise (RefusedFileException(path, "is a symbolic link, not a regular file: not followed"))
    | Special what -> raise (RefusedFileException(path, $"is {what}, not a regular file: not written"))
