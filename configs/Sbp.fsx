// Loads the Sbp library into F# Interactive as a package, from the local feed that one command creates:
//   scripts/pack.sh          (packs Sbp.Core, Sbp.Experiments and the sbp tool into .packages/; again after a change)
// configs/NuGet.Config names that feed, so `dotnet fsi configs/<name>.fsx` finds it from any folder. A script kept
// elsewhere adds the feed itself:  #i "nuget: <absolute path of the repository>/.packages"
// The version is the one in Directory.Build.props (a test keeps them equal).
#r "nuget: Sbp.Experiments, 0.1.0"
