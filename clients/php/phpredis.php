<?php
// phpredis (Debian php-redis): RedisCluster (or Redis through RedisSentinel),
// with its defaults or with the failover settings its docs give (connect and
// read timeouts; on Sentinel, ask the sentinels again after an error). One
// SET at a time, one JSON line per operation (docs/clients.md).
if (!extension_loaded('redis')) {
    fwrite(STDERR, "phpredis is not installed (apt-get install php-redis)\n");
    exit(3);
}
$args = array_slice($argv, 1);
if (in_array('--version', $args, true)) {
    echo phpversion('redis'), "\n";
    exit(0);
}
$plain = array_values(array_filter($args, fn($a) => !str_starts_with($a, '--')));
$config = $plain[0] ?? 'default';
if (!in_array($config, ['default', 'failover'], true)) {
    fwrite(STDERR, "unknown configuration \"$config\": default or failover\n");
    exit(2);
}
function addresses(string $name): array {
    $raw = getenv($name) ?: '';
    if ($raw === '') {
        fwrite(STDERR, "$name is not set: run this adapter with redis-drill clients\n");
        exit(2);
    }
    return explode(',', $raw);
}
$failover = $config === 'failover';
$timeout = $failover ? 1.0 : 0.0;
$password = getenv('REDIS_DRILL_PASSWORD') ?: null;

function connect(bool $failover, float $timeout, ?string $password) {
    if (getenv('REDIS_DRILL_KIND') === 'sentinel') {
        // Each sentinel in turn until one names the master (phpredis 5 takes positional arguments).
        $master = null;
        foreach (addresses('REDIS_DRILL_SENTINELS') as $a) {
            [$h, $p] = explode(':', $a);
            try {
                $master = (new RedisSentinel($h, (int) $p, $timeout))->getMasterAddrByName(getenv('REDIS_DRILL_MASTER_NAME'));
                if ($master) break;
            } catch (RedisException $e) {
                // Not this one: the next.
            }
        }
        if (!$master) throw new RedisException('no sentinel named the master');
        [$mh, $mp] = $master;
        $r = new Redis();
        $r->connect($mh, (int) $mp, $timeout);
        if ($failover) $r->setOption(Redis::OPT_READ_TIMEOUT, $timeout);
        if ($password !== null) $r->auth($password);
        return $r;
    }
    return new RedisCluster(null, addresses('REDIS_DRILL_NODES'), $timeout, $timeout, false, $password);
}

$prefix = getenv('REDIS_DRILL_KEY_PREFIX') ?: 'drill:clients:phpredis:';
$interval = (int) (getenv('REDIS_DRILL_INTERVAL_MS') ?: 10);
$client = null;
for ($seq = 0; ; $seq++) {
    $key = $prefix . $seq;
    $t0 = hrtime(true);
    $error = null;
    try {
        $client ??= connect($failover, $timeout, $password);
        $client->set($key, (string) $seq);
    } catch (Throwable $e) { // an application catches what the library throws, and goes on
        $error = get_class($e) . ': ' . strtok($e->getMessage(), "\n");
        // On Sentinel the failover setting asks the sentinels again: a plain Redis object never learns of the switch.
        if ($failover && getenv('REDIS_DRILL_KIND') === 'sentinel') $client = null;
    }
    $line = ['t' => (int) (microtime(true) * 1000), 'op' => 'set', 'key' => $key, 'value' => (string) $seq,
        'ok' => $error === null, 'ms' => (int) round((hrtime(true) - $t0) / 1e6)];
    if ($error !== null) $line['error'] = $error;
    if (@fwrite(STDOUT, json_encode($line) . "\n") === false) exit(0);
    usleep($interval * 1000);
}
