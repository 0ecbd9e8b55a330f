import { writeFileSync } from 'node:fs';

/**
 * Preloaded into a custsync process by the read benchmark
 * (`node --import …/rss-probe.js`): when the process exits it writes its
 * peak resident set size in kB to the file named by CUSTSYNC_BENCH_RSS (and
 * its CPU time to CUSTSYNC_BENCH_CPU), so the figure is the CLI's own,
 * without the emulator beside it.
 */
const file = process.env.CUSTSYNC_BENCH_RSS;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
/** CUSTSYNC_BENCH_CPU: the CPU time the process used (user + system, all its threads), in µs. */
const cpuFile = process.env.CUSTSYNC_BENCH_CPU;
if (cpuFile) process.on('exit', () => {
  const usage = process.resourceUsage();
  writeFileSync(cpuFile, String(usage.userCPUTime + usage.systemCPUTime));
});
