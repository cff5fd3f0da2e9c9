/// The packages: Sbp.Core's metadata, its public surface (no test oracles or hooks) with a doc comment on every public
/// member, the scripts' package reference and their Argu command line.
module Sbp.Tests.Package.PackageTests

open System
open System.IO
open System.IO.Compression
open System.Reflection
open System.Runtime.CompilerServices
open System.Xml.Linq
open Argu
open Expecto
open Sbp.Experiments
open Sbp.Tests.TestSupport

let private core = typeof<Sbp.Core.Numerics.Matrix>.Assembly

let private version =
    lazy
        let props = XDocument.Load(Path.Combine(repository.Value, "Directory.Build.props"))
        props.Descendants(XName.Get "Version") |> Seq.exactlyOne |> fun e -> e.Value

// ---- XML documentation ids (ECMA-334 annex D), enough for Sbp.Core's signatures
let rec private typeId (t: Type) : string =
    if t.IsByRef then typeId (t.GetElementType()) + "@"
    elif t.IsPointer then typeId (t.GetElementType()) + "*"
    elif t.IsArray then
        let rank = t.GetArrayRank()
        typeId (t.GetElementType()) + (if rank = 1 then "[]" else "[" + String.Join(",", Array.replicate rank "0:") + "]")
    elif t.IsGenericParameter then (if isNull t.DeclaringMethod then "`" else "``") + string t.GenericParameterPosition
    elif t.IsGenericType && not t.IsGenericTypeDefinition then
        let def: Type = t.GetGenericTypeDefinition()
        let name = (declaringName def).Split('`')[0]
        name + "{" + String.Join(",", t.GetGenericArguments() |> Array.map typeId) + "}"
    else declaringName t

and private declaringName (t: Type) : string =
    if t.IsNested then declaringName t.DeclaringType + "." + t.Name else t.Namespace + "." + t.Name

let private parameters (ps: ParameterInfo[]) =
    if ps.Length = 0 then "" else "(" + String.Join(",", ps |> Array.map (fun p -> typeId p.ParameterType)) + ")"

let private generated (m: MemberInfo) = not (isNull (m.GetCustomAttribute<CompilerGeneratedAttribute>()))

/// The documentation ids of every public type and public member Sbp.Core exports (compiler-generated members of
/// records, property and event accessors and enum backing fields excluded: they are documented through their owner).
let private publicIds () =
    [ for t in core.GetExportedTypes() do
          let owner = declaringName t
          yield "T:" + owner
          let flags = BindingFlags.Public ||| BindingFlags.Instance ||| BindingFlags.Static ||| BindingFlags.DeclaredOnly
          for m in t.GetMembers flags do
              if not (generated m) then
                  match m with
                  | :? ConstructorInfo as c when not c.IsStatic ->
                      // a struct's implicit parameterless constructor is not declared in source
                      if not (t.IsValueType && c.GetParameters().Length = 0) then yield "M:" + owner + ".#ctor" + parameters (c.GetParameters())
                  | :? MethodInfo as mi when not mi.IsSpecialName || mi.Name.StartsWith "op_" ->
                      let arity = if mi.IsGenericMethodDefinition then "``" + string (mi.GetGenericArguments().Length) else ""
                      yield "M:" + owner + "." + mi.Name + arity + parameters (mi.GetParameters())
                  | :? PropertyInfo as p -> yield "P:" + owner + "." + p.Name + parameters (p.GetIndexParameters())
                  | :? FieldInfo as f when not f.IsSpecialName -> yield "F:" + owner + "." + f.Name
                  | :? EventInfo as e -> yield "E:" + owner + "." + e.Name
                  | :? Type -> () // nested types are exported types of their own
                  | _ -> () ]
    |> List.distinct

/// Documentation ids with a non-empty summary in the XML file the build writes beside Sbp.Core.dll.
let private documentedIds () =
    let xml = Path.ChangeExtension(core.Location, ".xml")
    XDocument.Load(xml).Descendants(XName.Get "member")
    |> Seq.filter (fun m ->
        let text = m.Elements() |> Seq.filter (fun e -> e.Name.LocalName = "summary" || e.Name.LocalName = "inheritdoc") |> Seq.map (fun e -> e.Value.Trim())
        text |> Seq.exists (fun s -> s.Length > 0) || m.Elements(XName.Get "inheritdoc") |> Seq.isEmpty |> not)
    |> Seq.map (fun m -> m.Attribute(XName.Get "name").Value)
    |> Set.ofSeq

[<Tests>]
let tests =
    testList "Package" [
        test "every public type and member of Sbp.Core has a doc comment" {
            let ids = publicIds ()
            let documented = documentedIds ()
            let missing = ids |> List.filter (documented.Contains >> not)
            Expect.isGreaterThan ids.Length 300 "the public surface was enumerated"
            let listed = String.Join("; ", missing)
            Expect.isEmpty missing $"public declarations without a doc comment ({missing.Length} of {ids.Length}): {listed}"
        }

        test "the documentation check sees an undocumented member" {
            // the ids computed from reflection are the compiler's: removing one documented id is noticed
            let ids = publicIds ()
            let documented = documentedIds () |> Set.remove "M:Sbp.Core.Numerics.Matrix.Row(System.Int32)"
            Expect.contains ids "M:Sbp.Core.Numerics.Matrix.Row(System.Int32)" "Matrix.Row is public"
            Expect.contains ids "M:Sbp.Core.Numerics.Gemm.Multiply(Sbp.Core.Numerics.Transpose,Sbp.Core.Numerics.Transpose,System.Single,Sbp.Core.Numerics.Matrix,Sbp.Core.Numerics.Matrix,System.Single,Sbp.Core.Numerics.Matrix,System.Int32)" "parameters are named as the compiler names them"
            Expect.equal (ids |> List.filter (documented.Contains >> not)) [ "M:Sbp.Core.Numerics.Matrix.Row(System.Int32)" ] "only the removed id is missing"
        }

        test "test oracles and test hooks are not public" {
            let exported = core.GetExportedTypes()
            Expect.isEmpty (exported |> Array.filter (fun t -> t.Namespace = "Sbp.Core.Reference")) "no public type in Sbp.Core.Reference"
            Expect.isNotNull (core.GetType "Sbp.Core.Reference.ScalarGemm") "the oracle still exists, internal"
            let publicNames (t: Type) = t.GetMethods(BindingFlags.Public ||| BindingFlags.Instance) |> Array.map (fun m -> m.Name) |> Set.ofArray
            let smlp = publicNames typeof<Sbp.Core.Models.SpikingMlp>
            for hook in [ "Gradient"; "BiasGradient"; "FeedbackMatrix" ] do
                Expect.isFalse (smlp.Contains hook) $"SpikingMlp.{hook} is internal"
            Expect.isFalse ((publicNames typeof<Sbp.Core.Models.EnergyNetwork>).Contains "WeightChange") "EnergyNetwork.WeightChange is internal"
        }

        test "Sbp.Core carries its package metadata" {
            Expect.stringStarts (core.GetCustomAttribute<AssemblyInformationalVersionAttribute>().InformationalVersion) version.Value "version from Directory.Build.props"
            Expect.equal (core.GetName().Version.ToString 3) version.Value "assembly version"
            Expect.equal (core.GetCustomAttribute<AssemblyCompanyAttribute>().Company) "Sbp contributors" "authors"
            Expect.stringContains (core.GetCustomAttribute<AssemblyDescriptionAttribute>().Description) "Self-backpropagation of synaptic modifications" "description names the paper"
            Expect.isTrue (File.Exists(Path.Combine(repository.Value, "LICENSE"))) "LICENSE at the root"
            Expect.stringContains (File.ReadAllText(Path.Combine(repository.Value, "LICENSE"))) "MIT License" "the licence is MIT"
        }

        test "a packed Sbp.Core has its metadata, README, licence and XML docs" {
            let feed = Path.Combine(repository.Value, ".packages")
            let nupkg = Path.Combine(feed, $"Sbp.Core.{version.Value}.nupkg")
            if not (File.Exists nupkg) then skiptest "no local feed: run scripts/pack.sh (CI does) to check the package"
            use zip = ZipFile.OpenRead nupkg
            let names = zip.Entries |> Seq.map (fun e -> e.FullName) |> Set.ofSeq
            for f in [ "README.md"; "LICENSE"; "lib/net10.0/Sbp.Core.dll"; "lib/net10.0/Sbp.Core.xml" ] do
                Expect.contains names f $"{f} in the package"
            use s = zip.GetEntry("Sbp.Core.nuspec").Open()
            let nuspec = XDocument.Load s
            let field name = nuspec.Descendants() |> Seq.find (fun e -> e.Name.LocalName = name) |> fun e -> e.Value
            Expect.equal (field "id") "Sbp.Core" "id"
            Expect.equal (field "version") version.Value "version"
            Expect.equal (field "authors") "Sbp contributors" "authors"
            Expect.equal (field "license") "MIT" "licence"
            Expect.equal (field "readme") "README.md" "readme"
            Expect.stringContains (field "description") "Self-backpropagation" "description"
        }

        test "the scripts load the library at the version of Directory.Build.props" {
            let sbp = File.ReadAllText(Path.Combine(repository.Value, "configs", "Sbp.fsx"))
            Expect.stringContains sbp $"#r \"nuget: Sbp.Experiments, {version.Value}\"" "configs/Sbp.fsx pins the packed version"
            let config = XDocument.Load(Path.Combine(repository.Value, "configs", "NuGet.Config"))
            let sources = config.Descendants(XName.Get "add") |> Seq.map (fun e -> e.Attribute(XName.Get "value").Value) |> List.ofSeq
            Expect.contains sources "../.packages" "configs/NuGet.Config names the local feed"
        }

        test "a script runs only when it is the script executed" {
            let dir = Path.Combine(repository.Value, "configs")
            Expect.isTrue (Script.isExecuted dir "smoke.fsx" [| Path.Combine(dir, "smoke.fsx"); "--parallel"; "2" |]) "executed"
            Expect.isFalse (Script.isExecuted dir "Sbp.fsx" [| Path.Combine(dir, "smoke.fsx") |]) "#load-ed by another script"
            Expect.isFalse (Script.isExecuted dir "smoke.fsx" [| "" |]) "#load-ed in an interactive session"
            Expect.isFalse (Script.isExecuted dir "smoke.fsx" [||]) "no command line"
            let loaded = Script.options dir "ablation.fsx" [ Script.Wide ] [| Path.Combine(dir, "smoke.fsx"); "--wide" |]
            Expect.isFalse loaded.Executed "a #load-ed script does not run"
            Expect.isNone loaded.Variant "nor reads another script's options"
            let o = Script.options dir "ablation.fsx" [ Script.Wide ] [| Path.Combine(dir, "ablation.fsx"); "--wide"; "--parallel"; "3"; "--shard"; "1/4"; "--no-table" |]
            Expect.isTrue o.Executed "executed"
            Expect.isTrue (o.Is Script.Wide) "--wide"
            Expect.equal o.Run.Parallel (Some 3) "--parallel"
            Expect.equal o.Run.Shard (Some(1, 4)) "--shard"
            Expect.isFalse o.Run.Table "--no-table"
            Expect.equal (Script.costCap 0.4 o).Run.CostCap (Some 0.4) "the script's cost cap"
        }

        test "a mistyped script option is one line naming the nearest option" {
            let parser = ArgumentParser.Create<Script.ScriptArgs>(programName = "dotnet fsi smoke.fsx --")
            let e = Sbp.Tests.TestSupport.throwsOf<ArguParseException> (fun () -> parser.ParseCommandLine([| "--paralel"; "2" |], raiseOnUsage = true) |> ignore) "refused"
            let message = Usage.oneLine e.Message
            Expect.equal message "unrecognized argument: '--paralel'. Did you mean '--parallel'?" "one line with the nearest option"
            let u = parser.PrintUsage()
            for flag in [ "--small"; "--tiny"; "--reduced"; "--wide"; "--cost-cap"; "--no-table" ] do
                Expect.stringContains u flag $"usage lists {flag}"
        }
    ]
