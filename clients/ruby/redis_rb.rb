# redis-rb 4.8 (Debian ruby-redis): cluster mode (or Sentinel), with its
# defaults or with the failover settings its README gives (shorter
# timeouts, reconnect attempts). One SET at a time, one JSON line per
# operation (docs/clients.md); errors are caught and reported.
require 'json'
begin
  require 'redis'
rescue LoadError
  warn 'redis-rb is not installed (apt-get install ruby-redis)'
  exit 3
end

if ARGV.include?('--version')
  puts Redis::VERSION
  exit 0
end
config = ARGV.reject { |a| a.start_with?('--') }.first || 'default'
unless %w[default failover].include?(config)
  warn "unknown configuration \"#{config}\": default or failover"
  exit 2
end

def addresses(name)
  raw = ENV.fetch(name, '')
  if raw.empty?
    warn "#{name} is not set: run this adapter with redis-drill clients"
    exit 2
  end
  raw.split(',').map { |a| h, _, p = a.rpartition(':'); { host: h, port: p.to_i } }
end

FAILOVER = config == 'failover' ? { timeout: 1.0, reconnect_attempts: 3, reconnect_delay: 0.1 } : {}
PASSWORD = ENV['REDIS_DRILL_PASSWORD'].to_s.empty? ? {} : { password: ENV['REDIS_DRILL_PASSWORD'] }

def connect
  if ENV['REDIS_DRILL_KIND'] == 'sentinel'
    # The master name goes in the URL: redis-rb 4.8's name: option also names the client, and that breaks its sentinel lookups.
    Redis.new(url: "redis://#{ENV['REDIS_DRILL_MASTER_NAME']}", sentinels: addresses('REDIS_DRILL_SENTINELS'),
              role: :master, **FAILOVER, **PASSWORD)
  else
    Redis.new(cluster: addresses('REDIS_DRILL_NODES').map { |a| "redis://#{a[:host]}:#{a[:port]}" }, **FAILOVER,
              **PASSWORD)
  end
end

prefix = ENV.fetch('REDIS_DRILL_KEY_PREFIX', 'drill:clients:redis-rb:')
interval = ENV.fetch('REDIS_DRILL_INTERVAL_MS', '10').to_i / 1000.0
$stdout.sync = true
client = nil
seq = 0
loop do
  key = "#{prefix}#{seq}"
  t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  error = nil
  begin
    client ||= connect
    client.set(key, seq.to_s)
  rescue StandardError => e # an application rescues what the library raises, and goes on
    error = "#{e.class}: #{e.message}".lines.first.to_s.chomp
  end
  ms = ((Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0) * 1000).round
  line = { t: (Time.now.to_f * 1000).to_i, op: 'set', key: key, value: seq.to_s, ok: error.nil?, ms: ms }
  line[:error] = error unless error.nil?
  begin
    puts JSON.generate(line)
  rescue Errno::EPIPE
    exit 0
  end
  seq += 1
  sleep interval
end
