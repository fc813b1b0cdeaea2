#!/usr/bin/env bash
# failover-lab.sh: the classic lab, one command at a time, as a script would do it.
#
# Creates a cluster, writes 1000 keys, kills Master[0], checks that a replica
# took over and that the old master came back as its replica, checks the slot
# map and the keys, and shows what an exit code tells a script. Every value is
# read from --json output (with node, which redis-drill needs anyway: no jq).
# The cluster is destroyed on exit, also when a step fails.
#
# Usage:   scenarios/failover-lab.sh
# Environment:
#   REDIS_DRILL         the command (default: redis-drill on PATH, else this checkout's bin/redis-drill.js)
#   REDIS_DRILL_HOME    state directory (default ./.redis-drill)
#   DRILL_PORT          first port (default 7000)
#   DRILL_NODE_TIMEOUT  cluster-node-timeout in ms (default 1000)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [[ -n "${REDIS_DRILL:-}" ]]; then read -r -a drill <<<"$REDIS_DRILL"
elif command -v redis-drill >/dev/null; then drill=(redis-drill)
else drill=(node "$here/../bin/redis-drill.js"); fi

cluster="lab-$$"
rd() { "${drill[@]}" --quiet --cluster "$cluster" "$@"; }
json() { node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")); const v = new Function("d", `return (${process.argv[1]})`)(d); console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1"; }
fail() { echo "lab failed: $*" >&2; exit 1; }
trap 'rd cluster destroy >/dev/null || true' EXIT

rd --json cluster create --port "${DRILL_PORT:-7000}" --node-timeout "${DRILL_NODE_TIMEOUT:-1000}" >/dev/null
echo "created cluster $cluster"

written=$(rd --json populate --keys 1000 | json 'd.written')
[[ $written -eq 1000 ]] || fail "wrote $written of 1000 keys"

kill=$(rd --json cluster kill-master --master 0)
victim=$(json 'd.victim.host + ":" + d.victim.port' <<<"$kill")
promoted=$(json 'd.promoted.host + ":" + d.promoted.port' <<<"$kill")
echo "killed $victim; $promoted took over after $(json 'd.promotionMs' <<<"$kill") ms ($(json 'd.promotionSource' <<<"$kill"))"

role=$(rd --json cluster restart-node "$victim" | json 'd.rejoined.role + " of " + d.rejoined.master')
[[ $role == "replica of $promoted" ]] || fail "$victim came back as $role"
echo "$victim is back as a $role"

map=$(rd --json slotmap)
[[ $(json 'd.slotsCovered' <<<"$map") -eq 16384 ]] || fail "not every slot is covered"
[[ $(json 'd.totalKeys' <<<"$map") -ge 1000 ]] || fail "keys were lost"
echo "slot map: $(json 'd.masters.map((m) => m.host + ":" + m.port + " " + m.dbsize + " keys").join(", ")' <<<"$map")"

# Exit codes tell a script what went wrong: 2 is bad input (here: no such master).
rc=0
rd cluster kill-master --master 9 2>/dev/null || rc=$?
[[ $rc -eq 2 ]] || fail "kill-master --master 9 exited $rc, expected 2"
echo "kill-master --master 9: exit $rc (bad input), as documented"
