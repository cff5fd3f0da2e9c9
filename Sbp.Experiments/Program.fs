module Sbp.Experiments.Program

open System
open Argu
open Sbp.Core.Data
open Sbp.Experiments.Cli

let private fail (message: string) =
    eprintfn "sbp: %s" message
    1

let private dataFetch (args: ParseResults<FetchArgs>) =
    let targets =
        match args.TryGetResult Only with
        | None -> Provision.all
        | Some n ->
            match Provision.all |> List.tryFind (fun p -> p.Name = n.ToLowerInvariant()) with
            | Some p -> [ p ]
            | None -> invalidArg "--only" $"'{n}' cannot be fetched; expected mnist or fashion (nettalk ships beside the repository, DVS is supplied by the user)"
    for p in targets do Provision.fetch (printfn "%s") p
    0

let private describe (label: string) (d: DataSet) =
    printfn "  %-5s %6d samples  features %s = %d  targets %d" label d.Count
        (String.Join("x", d.SampleShape)) d.FeatureCount d.TargetCount
    if d.Labels <> null then
        let counts = d.ClassCounts()
        let nonEmpty = counts |> Array.filter (fun c -> c > 0)
        printfn "        %d classes (%d present), per class min %d / max %d: %s" d.ClassCount nonEmpty.Length
            (Array.min nonEmpty) (Array.max nonEmpty) (String.Join(" ", counts))

let private dataInfo (args: ParseResults<InfoArgs>) =
    let name =
        match DataSets.parseName (args.GetResult Name) with
        | Ok n -> n
        | Error e -> invalidArg "name" e
    let opts =
        { DataSets.defaultLoad with
            NettalkDir = args.TryGetResult Nettalk_Dir
            IdxDir = args.TryGetResult Idx_Dir
            DvsDir = args.TryGetResult Dvs_Dir
            NettalkFullTest = args.Contains Full_Test }
    let split = DataSets.load opts name
    printfn "%s" (DataSets.nameOf name)
    printfn "  source: %s" split.Train.Provenance
    describe "train" split.Train
    describe "test" split.Test
    0

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<SbpArgs>(programName = "sbp")
    try
        let args = parser.ParseCommandLine(argv, raiseOnUsage = true)
        match args.GetSubCommand() with
        | Data d ->
            match d.GetSubCommand() with
            | Fetch f -> dataFetch f
            | Info i -> dataInfo i
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        printfn "%s" e.Message
        0
    | :? ArguParseException as e -> fail (e.Message.Trim())
    | :? DataFormatException as e -> fail e.Message
    | :? DataNotProvisionedException as e -> fail e.Message
    | :? ArgumentException as e -> fail (e.Message.Replace($" (Parameter '{e.ParamName}')", ""))
    | :? IO.FileNotFoundException as e -> fail e.Message
    | Failure m -> fail m
