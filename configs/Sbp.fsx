// Loads the built Sbp assemblies into F# Interactive. Build first:
//   dotnet build -c Release
// then a grid script starts with  #load "Sbp.fsx"  and calls Script.run.
#r "../Sbp.Experiments/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../Sbp.Experiments/bin/Release/net10.0/Sbp.Core.dll"
#r "../Sbp.Experiments/bin/Release/net10.0/Argu.dll"
#r "../Sbp.Experiments/bin/Release/net10.0/SkiaSharp.dll"
#r "../Sbp.Experiments/bin/Release/net10.0/ScottPlot.dll"
#r "../Sbp.Experiments/bin/Release/net10.0/Spectre.Console.dll"
#r "../Sbp.Experiments/bin/Release/net10.0/sbp.dll"

// F# Interactive does not read the build's runtime map, so point SkiaSharp (plots) at its native library.
do
    let rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier
    let native = System.IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "Sbp.Experiments", "bin", "Release", "net10.0", "runtimes", rid, "native")
    System.Runtime.InteropServices.NativeLibrary.SetDllImportResolver(
        typeof<SkiaSharp.SKColor>.Assembly,
        fun name _ _ ->
            let path = System.IO.Path.Combine(native, name + ".so")
            if System.IO.File.Exists path then System.Runtime.InteropServices.NativeLibrary.Load path else nativeint 0)
