import { access } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';
import { HTML_REPORT_FILE, htmlReport } from './htmlReport.js';
import { MULTIQC_FILES, multiqcFiles } from './multiqcReport.js';
import { PREDICTION_RESULTS_FILE, RUN_SUMMARY_FILE } from './predictionDirectory.js';
import { readReportData } from './reportData.js';

/**
 * The reports of a complete `predict -o DIR` run (docs/reports.md): MultiQC custom-content files and a
 * self-contained report.html, made from the directory's run_summary.json and prediction_results.txt. Each
 * is replaced atomically. They are not part of the resumable state (no commit or digest covers them): a
 * resumed run writes them anew when it completes, and a run found already complete writes them if any is
 * missing (a crash after the last commit).
 */

/** What {@link writeRunReports} writes in the directory. */
export const REPORT_FILES: readonly string[] = [...MULTIQC_FILES, HTML_REPORT_FILE];

export async function writeRunReports(dir: string): Promise<void> {
  const data = await readReportData(dir, { summary: RUN_SUMMARY_FILE, predictionResults: PREDICTION_RESULTS_FILE });
  const mqc = multiqcFiles(data);
  for (const [i, file] of MULTIQC_FILES.entries()) await writeFileAtomic(path.join(dir, file), mqc[i]!);
  await writeFileAtomic(path.join(dir, HTML_REPORT_FILE), htmlReport(data));
}

/** Whether every report file is in `dir`. */
export async function hasRunReports(dir: string): Promise<boolean> {
  const present = await Promise.all(
    REPORT_FILES.map((file) =>
      access(path.join(dir, file)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return present.every(Boolean);
}
