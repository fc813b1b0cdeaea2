/** Where a local drill's times come from (remote drills say more: see Observer.clockNote). */
export const CLOCK_NOTE =
  "Times are milliseconds from the fault on this machine's clock; log times are the servers' own millisecond timestamps, and the servers run on this machine, so both are the same clock.";
