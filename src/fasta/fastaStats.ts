import type { ErrorPosition } from '../errors.js';

/** A record named in a statistic: its id and the 1-based line of its header. */
export interface FastaRecordRef {
  readonly id: string;
  readonly line: number;
}

/** The first character outside the IUPAC nucleotide codes, and where it was. */
export interface NonIupacOccurrence extends FastaRecordRef {
  /** The character, e.g. `'X'` or `'*'`. */
  readonly letter: string;
  /** 0-based position in the record's sequence (lines joined). */
  readonly offset: number;
}

/** How many records a statistic names by example ({@link FastaStats.emptyExamples}). */
export const STATS_EXAMPLES = 5;

/**
 * Counts kept by the FASTA reader while it runs. The reader updates it after every chunk (bytes, lines) and
 * every batch (records, bases, warnings), so a caller may read it during the run (progress) and after it (the
 * CLI's run summary). Callers read; only the reader writes.
 */
export class FastaStats {
  /** Input bytes read, after decompression. */
  bytes = 0;
  /** Lines read (a last line without '\n' counts). */
  lines = 0;
  /** Records emitted (empty records excluded). */
  records = 0;
  /** Sequence bytes emitted (lines joined, whitespace removed). */
  bases = 0;
  /** Batches emitted. */
  batches = 0;
  /** Records skipped because no sequence followed their header (the original crashes on them). */
  emptySkipped = 0;
  /** The first {@link STATS_EXAMPLES} skipped records. */
  readonly emptyExamples: FastaRecordRef[] = [];
  /** Records whose header has no id (`>` followed by whitespace or nothing); kept with id ''. */
  emptyIds = 0;
  /** The first record with an empty id. */
  firstEmptyId: FastaRecordRef | undefined = undefined;
  /** Characters outside the IUPAC nucleotide codes and gaps (kept; the original treats them like N). */
  nonIupacLetters = 0;
  /** Records holding at least one such character. */
  nonIupacRecords = 0;
  /** The first such character. */
  firstNonIupac: NonIupacOccurrence | undefined = undefined;
}

/** What a {@link FastaWarning} is about. */
export type FastaWarningKind = 'empty-records' | 'empty-ids' | 'non-iupac';

/**
 * A problem that does not stop the run. The reader reports each kind at most once, at the end of the input,
 * with the total count and the first occurrence, so a file with a million odd records gives one line each.
 */
export interface FastaWarning {
  readonly kind: FastaWarningKind;
  /** Records (empty-records, empty-ids) or characters (non-iupac) concerned. */
  readonly count: number;
  /** Where the first occurrence is: the file, the record's header line and id. */
  readonly position: ErrorPosition;
  /** One line for a log: what was found and what virnucpro did about it. */
  readonly message: string;
}

/** The warnings `stats` calls for, in a stable order (what the reader reports at the end of the input). */
export function fastaWarnings(stats: FastaStats, file: string): FastaWarning[] {
  const warnings: FastaWarning[] = [];
  if (stats.emptySkipped > 0) {
    const first = stats.emptyExamples[0]!;
    const examples = stats.emptyExamples.map((r) => `'${r.id}' (line ${r.line})`).join(', ');
    const more = stats.emptySkipped > stats.emptyExamples.length ? ', …' : '';
    warnings.push({
      kind: 'empty-records',
      count: stats.emptySkipped,
      position: { file, line: first.line, recordId: first.id },
      message:
        `${file}: skipped ${stats.emptySkipped} empty record(s) (a header with no sequence; ` +
        `the original VirNucPro crashes on them): ${examples}${more}`,
    });
  }
  if (stats.emptyIds > 0) {
    const first = stats.firstEmptyId!;
    warnings.push({
      kind: 'empty-ids',
      count: stats.emptyIds,
      position: { file, line: first.line, recordId: '' },
      message:
        `${file}:${first.line}: ${stats.emptyIds} record(s) have an empty id ('>' followed by no name); ` +
        `kept with id '' as Biopython does, so their output ids start with '_chunk_'`,
    });
  }
  if (stats.nonIupacLetters > 0) {
    const first = stats.firstNonIupac!;
    warnings.push({
      kind: 'non-iupac',
      count: stats.nonIupacLetters,
      position: { file, line: first.line, recordId: first.id },
      message:
        `${file}: ${stats.nonIupacLetters} character(s) outside the IUPAC nucleotide codes in ` +
        `${stats.nonIupacRecords} record(s), first '${first.letter}' at base ${first.offset + 1} of record ` +
        `'${first.id}' (line ${first.line}); kept, and translated like N (no amino acid)`,
    });
  }
  return warnings;
}
