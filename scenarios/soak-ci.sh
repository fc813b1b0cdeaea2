#!/usr/bin/env bash
# soak-ci.sh: a short soak for a CI pipeline; the exit code is the verdict.
#
# Runs SOAK_LOOPS loops of SOAK_FAULTS on a throw-away cluster (each loop:
# fault, promotion, restore, rejoin, cluster_state:ok, with one load across
# all of them), prints one line per loop and the spread of the promotion
# times, and leaves the report in SOAK_OUT. The cluster is destroyed at the
# end, pass or fail: keep the report and the printed seed instead, since the
# same seed and options replay the same schedule. Exit codes are redis-drill's:
# 0 every loop passed, 1 a loop failed, 2 a bad option, 3 the environment
# (redis-server missing, port in use), 130 interrupted.
#
# Usage:   scenarios/soak-ci.sh
# Environment:
#   REDIS_DRILL         the command (default: redis-drill on PATH, else this checkout's bin/redis-drill.js)
#   REDIS_DRILL_HOME    state directory for the cluster
#   SOAK_LOOPS          loops (default 5)
#   SOAK_FAULTS         faults and weights (default kill=2,failover=1; partition needs root)
#   SOAK_SEED           the schedule's seed (default: a random one, printed)
#   DRILL_PORT          first port of the cluster (default 7000)
#   DRILL_NODE_TIMEOUT  cluster-node-timeout in ms (default 1000)
#   SOAK_OUT            where the report goes (default ./reports/soak-ci)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [[ -n "${REDIS_DRILL:-}" ]]; then read -r -a drill <<<"$REDIS_DRILL"
elif command -v redis-drill >/dev/null; then drill=(redis-drill)
else drill=(node "$here/../bin/redis-drill.js"); fi

out=${SOAK_OUT:-./reports/soak-ci}
cluster=soak-ci
mkdir -p "$out"
opts=(--loops "${SOAK_LOOPS:-5}" --faults "${SOAK_FAULTS:-kill=2,failover=1}" --port "${DRILL_PORT:-7000}" --node-timeout "${DRILL_NODE_TIMEOUT:-1000}" --interval 500ms)
[[ -n "${SOAK_SEED:-}" ]] && opts+=(--random-seed "$SOAK_SEED")

# A field of the JSON on stdin, with node (always there: redis-drill needs it), e.g. 'd.verdict'.
json() { node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")); const v = new Function("d", `return (${process.argv[1]})`)(d); console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1"; }

# Whatever happens, the throw-away cluster goes (a failed soak keeps it for a look; CI has the report).
trap '"${drill[@]}" --quiet --cluster "$cluster" cluster destroy >/dev/null 2>&1 || true' EXIT

rc=0
"${drill[@]}" --json --cluster "$cluster" soak --create "${opts[@]}" --out "$out" --format json,md,html >"$out/stdout.json" 2>"$out/stderr.txt" || rc=$?
case $rc in
  0 | 1)
    json 'd.soak.rows.map((r) => `loop ${r.loop} ${r.fault} ${r.target}: ${r.outcome}, promotion ${r.promotionMs ?? "-"} ms, lost writes ${r.lostWrites}${r.anomalies.length ? " (" + r.anomalies[0] + ")" : ""}`).join("\n")' <"$out/stdout.json"
    json 'd.soak.distributions.map((x) => `${x.fault}: promotion p50 ${x.promotionMs.p50} ms, p90 ${x.promotionMs.p90} ms, max ${x.promotionMs.max} ms`).join("\n")' <"$out/stdout.json"
    echo "$(json '`${d.soak.rows.filter((r) => r.outcome === "passed").length} of ${d.soak.loops} loops passed (seed ${d.soak.seed}); repeat: ${d.soak.reproduce}`' <"$out/stdout.json"); report in $out" ;;
  *) echo "ERROR: redis-drill exited $rc (2: bad option, 3: environment, 130: interrupted):" >&2
     cat "$out/stderr.txt" >&2 ;;
esac
exit "$rc"
