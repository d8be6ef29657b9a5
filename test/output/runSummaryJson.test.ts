import { describe, expectTypeOf, it } from 'vitest';
import type { ReportSummary } from '../../src/output/reportData.js';
import type { RunSummary } from '../../src/output/runSummaryJson.js';
import type { MergeSummary, PartRun } from '../../src/output/shardMerge.js';

// run_summary.json is declared once (src/output/runSummaryJson.ts); what the reports and merge read of it are
// parts of that type, so a field changed there changes for them too. These checks run when tsc builds the tests.

describe('the run summary types', () => {
  it('make every predict summary a report summary, and the reports tolerate a summary without timing.series', () => {
    expectTypeOf<RunSummary>().toMatchTypeOf<ReportSummary>();
    expectTypeOf<ReportSummary['timing']['series']>().toEqualTypeOf<RunSummary['timing']['series'] | undefined>();
    expectTypeOf<ReportSummary['counts']>().toEqualTypeOf<RunSummary['counts']>();
  });

  it("give merge the predict summary's chunk length fields, input and counts", () => {
    expectTypeOf<MergeSummary['forcedChunkLength']>().toEqualTypeOf<RunSummary['forcedChunkLength']>();
    expectTypeOf<MergeSummary['chunkLength']>().toEqualTypeOf<RunSummary['chunkLength']>();
    expectTypeOf<PartRun['input']>().toEqualTypeOf<RunSummary['input']>();
    expectTypeOf<RunSummary['counts']>().toMatchTypeOf<PartRun['counts']>();
    expectTypeOf<RunSummary['counts']>().toMatchTypeOf<MergeSummary['counts']>();
  });
});
