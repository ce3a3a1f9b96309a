#!/usr/bin/env bash
# Builds the sample worker with the analyzers (the README's sample command) and checks that the MEM warnings are
# exactly the ones its sources mark with `// expect: MEM###[, MEM###]` at the end of the leaking lines.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
dotnet build samples/LeakyWorker/LeakyWorker.csproj -t:Rebuild -nologo -clp:NoSummary 2>&1 | tee "$log" >/dev/null
actual=$(grep -Eo '[A-Za-z]+\.cs\([0-9]+,[0-9]+\): warning MEM[0-9]{3}' "$log" | sed -E 's/\(([0-9]+),[0-9]+\): warning / \1 /' | sort -u)
expected=$(cd samples/LeakyWorker && grep -nEo '// expect: MEM[0-9]{3}(, *MEM[0-9]{3})*' *.cs \
  | sed -E 's/^([^:]+):([0-9]+):\/\/ expect: /\1 \2 /' \
  | awk '{ n = split(substr($0, length($1) + length($2) + 3), ids, /, */); for (i = 1; i <= n; i++) print $1, $2, ids[i] }' | sort -u)
rm -f "$log"
if [ "$actual" != "$expected" ]; then
  echo "Sample warnings differ from the '// expect:' markers."
  diff <(echo "$expected") <(echo "$actual") | sed 's/^</expected but missing:/; s/^>/reported but not expected:/'
  exit 1
fi
echo "sample: $(echo "$actual" | grep -c MEM) MEM warnings, all at the marked lines"
