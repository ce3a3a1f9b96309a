#!/usr/bin/env bash
# The tiny-worker fixed cost as a real build reports it: `dotnet build -p:ReportAnalyzer=true` of a 15-line worker
# (Host.CreateApplicationBuilder, one BackgroundService, Microsoft.Extensions.Hosting) with our analyzers added beside
# the SDK's NetAnalyzers default set, rebuilt N times — once with the compiler server (the SDK default: every build
# after the first reuses a warm compiler process) and once without it (UseSharedCompilation=false, as some CI
# machines set: every compilation is a fresh, cold process that JIT-compiles every analyzer).
#
#   bash bench/real-build.sh [builds]      (default 4; the first build of each mode is the cold one)
#   MODES=false bash bench/real-build.sh   (only the builds without the compiler server)
#
# Prints, per build: our analyzers' execution time and NetAnalyzers' (both of its assemblies), in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
builds=${1:-4}
root=$(pwd)

dotnet build src/Analyzers/MemoryRetention.Analyzers.csproj -c Release -v:q -nologo > "${TMPDIR:-/tmp}/real-build-analyzer.log" 2>&1 || { cat "${TMPDIR:-/tmp}/real-build-analyzer.log"; exit 1; }
analyzer="$root/src/Analyzers/bin/Release/netstandard2.0/MemoryRetention.Analyzers.dll"
hosting=$(sed -n 's/.*Include="Microsoft.Extensions.Hosting" Version="\([^"]*\)".*/\1/p' Directory.Packages.props | head -n 1)

work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cat > "$work/Directory.Build.props" <<'EOF'
<Project />
EOF
cat > "$work/Directory.Packages.props" <<'EOF'
<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>
EOF
cat > "$work/Tiny.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk.Worker">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <OutputType>Exe</OutputType>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.Extensions.Hosting" Version="$hosting" />
    <Analyzer Include="$analyzer" />
  </ItemGroup>
</Project>
EOF
dotnet run -c Release --project bench -- --write-tiny-worker "$work" # the bench's own tiny worker

dotnet restore "$work/Tiny.csproj" -v:q -nologo > /dev/null
for shared in ${MODES:-true false}; do
  echo "UseSharedCompilation=$shared"
  dotnet build-server shutdown > /dev/null 2>&1 || true
  for i in $(seq 1 "$builds"); do
    touch "$work/Program.cs"
    UseSharedCompilation=$shared dotnet build "$work/Tiny.csproj" --no-restore -nologo -v:d -p:UseSharedCompilation=$shared -p:ReportAnalyzer=true > "$work/build.log" 2>&1 \
      || { tail -n 30 "$work/build.log"; exit 1; }
    ours=$(grep -E '^\s+[0-9.<]+\s+[0-9<]+\s+MemoryRetention\.Analyzers,' "$work/build.log" | awk '{print $1}' | head -n 1)
    sdk=$(grep -E '^\s+[0-9.<]+\s+[0-9<]+\s+Microsoft\.CodeAnalysis\.(CSharp\.)?NetAnalyzers,' "$work/build.log" | awk '{ s += ($1 == "<0.001" ? 0 : $1) } END { printf "%.3f", s }')
    echo "  build $i: ours ${ours:-?} s, NetAnalyzers default set $sdk s"
  done
done
