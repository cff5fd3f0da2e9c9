#!/usr/bin/env bash
# Packs Sbp.Core, the library Sbp.Experiments and the tool sbp into the local feed .packages/ (ignored by git):
#   scripts/pack.sh              (scripts/pack.sh --no-build after a Release build of the solution)
# then:  dotnet tool install --global --add-source .packages sbp      (the `sbp` command)
#   or:  #r "nuget: Sbp.Experiments, <version>" in an F# script (configs/Sbp.fsx; configs/NuGet.Config names the feed,
#        a script elsewhere adds  #i "nuget: <absolute path of the repository>/.packages").
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
feed=.packages
mkdir -p "$feed"
# A script's package cache keeps the first build of a version: drop this version's copies so that a re-pack is seen.
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
rm -rf "$cache/sbp.core/$version" "$cache/sbp.experiments/$version" "$cache/sbp/$version"
# F# Interactive also remembers where it resolved a script's packages (keyed by the #r lines, not by the package's
# contents or NUGET_PACKAGES): forget every resolution that names Sbp, or a script keeps loading an earlier build.
resolutions=${HOME:-/nonexistent}/.packagemanagement/nuget/Cache
if [ -d "$resolutions" ]; then
  grep -l -i -E '^Sbp\.(Core|Experiments),' "$resolutions"/*.resolvedReferences.paths 2>/dev/null | while read -r paths; do
    rm -f "$paths" "${paths%.resolvedReferences.paths}.fsx"
  done
fi
dotnet pack Sbp.Experiments -c Release -o "$feed" "$@"                       # the tool, and Sbp.Core it references
dotnet pack Sbp.Experiments -c Release -o "$feed" -p:SbpPackLibrary=true --no-build   # the library, same build
dotnet pack Sbp.Core -c Release -o "$feed" --no-build
ls "$feed"
