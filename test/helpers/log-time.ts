/** The time of a redis.log line, parsed here on purpose without redis-drill's parser. */
export function logLineTime(line: string): number {
  const m = /(\d+) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line)!;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[2]!);
  return new Date(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7])).getTime();
}
