// Loaded with `node --import` by benchmarks: at exit, the CLI process writes
// its own CPU time and peak RSS (process.resourceUsage) to BENCH_RUSAGE_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
