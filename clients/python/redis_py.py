"""redis-py (Debian python3-redis): RedisCluster or Sentinel, with its
defaults or with the failover settings its docs give (socket timeouts,
more cluster retries). One SET at a time, one JSON line per operation
(docs/clients.md); errors are caught and reported, never retried by hand."""
import json
import os
import sys
import time

try:
    import redis
    from redis.cluster import ClusterNode, RedisCluster
    from redis.sentinel import Sentinel
except ImportError:
    sys.stderr.write("redis-py is not installed (apt-get install python3-redis)\n")
    sys.exit(3)

if "--version" in sys.argv:
    print(redis.__version__)
    sys.exit(0)

args = [a for a in sys.argv[1:] if not a.startswith("--")]
config = args[0] if args else "default"
if config not in ("default", "failover"):
    sys.stderr.write(f'unknown configuration "{config}": default or failover\n')
    sys.exit(2)


def addresses(name):
    raw = os.environ.get(name, "")
    if not raw:
        sys.stderr.write(f"{name} is not set: run this adapter with redis-drill clients\n")
        sys.exit(2)
    return [(a.rsplit(":", 1)[0], int(a.rsplit(":", 1)[1])) for a in raw.split(",")]


FAILOVER = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0} if config == "failover" else {}
password = os.environ.get("REDIS_DRILL_PASSWORD") or None


def connect():
    if os.environ.get("REDIS_DRILL_KIND") == "sentinel":
        s = Sentinel(addresses("REDIS_DRILL_SENTINELS"), **FAILOVER)
        return s.master_for(os.environ["REDIS_DRILL_MASTER_NAME"], password=password, **FAILOVER)
    nodes = [ClusterNode(h, p) for h, p in addresses("REDIS_DRILL_NODES")]
    extra = {"cluster_error_retry_attempts": 10} if config == "failover" else {}
    return RedisCluster(startup_nodes=nodes, password=password, **FAILOVER, **extra)


prefix = os.environ.get("REDIS_DRILL_KEY_PREFIX", "drill:clients:redis-py:")
interval = int(os.environ.get("REDIS_DRILL_INTERVAL_MS", "10")) / 1000
client = None
seq = 0
while True:
    key = f"{prefix}{seq}"
    t0 = time.monotonic()
    error = None
    try:
        if client is None:
            client = connect()
        client.set(key, str(seq))
    except Exception as e:  # an application catches what the library raises, and goes on
        error = f"{type(e).__name__}: {e}".split("\n")[0]
    line = {"t": int(time.time() * 1000), "op": "set", "key": key, "value": str(seq), "ok": error is None,
            "ms": round((time.monotonic() - t0) * 1000)}
    if error is not None:
        line["error"] = error
    try:
        print(json.dumps(line), flush=True)
    except BrokenPipeError:
        sys.exit(0)
    seq += 1
    time.sleep(interval)
