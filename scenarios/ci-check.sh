#!/usr/bin/env bash
# ci-check.sh: what a CI job runs to rehearse failovers on every change.
#
# Checks every scenario file first (a bad file stops the job with exit 2,
# before any server starts), then runs each one on its own throw-away
# cluster and reads the verdict from the JSON report on stdout. Exit codes
# are passed on as redis-drill defines them: 0 all passed, 1 a scenario's
# checks failed, 2 a bad file or option, 3 the environment (redis-server
# missing, port in use), 130 interrupted.
#
# Usage:   scenarios/ci-check.sh [SCENARIO.yaml ...]     (default: scenarios/*.yaml)
# Environment:
#   REDIS_DRILL         the command (default: redis-drill on PATH, else this checkout's bin/redis-drill.js)
#   REDIS_DRILL_HOME    state directory for the clusters
#   DRILL_PORT          first port of each scenario's cluster (default 7000)
#   DRILL_NODE_TIMEOUT  cluster-node-timeout in ms (default: each file's own)
#   DRILL_OUT           where the reports go (default ./reports/ci)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [[ -n "${REDIS_DRILL:-}" ]]; then read -r -a drill <<<"$REDIS_DRILL"
elif command -v redis-drill >/dev/null; then drill=(redis-drill)
else drill=(node "$here/../bin/redis-drill.js"); fi

files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=("$here"/*.yaml)
out=${DRILL_OUT:-./reports/ci}
opts=(--port "${DRILL_PORT:-7000}")
[[ -n "${DRILL_NODE_TIMEOUT:-}" ]] && opts+=(--node-timeout "$DRILL_NODE_TIMEOUT")

# A field of the JSON on stdin, with node (always there: redis-drill needs it), e.g. 'd.verdict'.
json() { node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")); const v = new Function("d", `return (${process.argv[1]})`)(d); console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1"; }

# 1. Every file, before anything runs: exit 2 names the file, line and problem on stderr.
"${drill[@]}" --quiet scenario validate "${files[@]}" >/dev/null

# 2. Each scenario; its exit code decides.
failed=0
for file in "${files[@]}"; do
  name=$(basename "$file" .yaml)
  mkdir -p "$out/$name"
  rc=0
  "${drill[@]}" --quiet --json scenario run "$file" "${opts[@]}" --out "$out/$name" --format json,md,html >"$out/$name/stdout.json" || rc=$?
  case $rc in
    0) echo "PASS $name: $(json 'd.checks.length + " checks, promotion " + d.promotion.ms.value + " ms, lost writes " + d.consistency.lost' <"$out/$name/stdout.json")" ;;
    1) echo "FAIL $name:"; json 'd.checks.filter((k) => !k.passed).map((k) => "  " + k.name + ": " + k.detail).join("\n")' <"$out/$name/stdout.json"
       failed=$((failed + 1)) ;;
    *) echo "ERROR $name: redis-drill exited $rc (2: bad file or option, 3: environment, 130: interrupted)" >&2
       exit "$rc" ;;
  esac
done
echo "$(( ${#files[@]} - failed )) of ${#files[@]} scenarios passed; reports in $out"
[[ $failed -eq 0 ]] || exit 1
