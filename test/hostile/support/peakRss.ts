/**
 * Preloaded into the CLI (`NODE_OPTIONS=--import <this file>`) by the catalogue's memory case: when the main
 * thread exits, writes the process's peak resident set (KiB, getrusage's ru_maxrss, all threads included) to
 * $VIRNUCPRO_TEST_PEAK_RSS_FILE. Measured by the test, not taken from the CLI's own report.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env['VIRNUCPRO_TEST_PEAK_RSS_FILE'];
if (file && isMainThread) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
