import { VirnucproError, type ErrorPosition } from '../errors.js';

/** The errors the FASTA and FASTQ readers raise, one factory each so every message says what was expected and found. */

const BINARY_HINT =
  'is this a compressed or binary file? gzip is read directly; decompress other formats first ' +
  '(xz -dc, bzip2 -dc, zstd -dc) and pipe the result into virnucpro … -';

/** Shows a byte as a character when printable, else in hex. */
export function describeByte(byte: number): string {
  return byte >= 0x21 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

export function binaryByteError(byte: number, where: string, position: ErrorPosition): VirnucproError {
  return new VirnucproError('FASTA_BINARY', `expected text but found ${describeByte(byte)} ${where}`, {
    position,
    hint: BINARY_HINT,
  });
}

export function noHeaderError(byte: number, position: ErrorPosition): VirnucproError {
  // An input whose first text byte is '@' is read as FASTQ: this is FASTA, or neither.
  return new VirnucproError('FASTA_NO_HEADER', `expected '>' at the start of a record but found ${describeByte(byte)}`, {
    position,
    hint: "a FASTA file starts with a header line such as '>read1' (FASTQ with '@read1'); is this a plain sequence or another format?",
  });
}

const FASTQ_LAYOUT_HINT =
  "a FASTQ record is four lines: '@id', the sequence, '+', the qualities (one line each: wrapped FASTQ " +
  'is not read; seqkit seq -w 0 unwraps it)';

/** A FASTQ line that should start with '@' (a record) or '+' (after the sequence) starts otherwise. */
export function fastqLayoutError(expected: '@' | '+', byte: number, where: string, position: ErrorPosition): VirnucproError {
  const found = byte === 0x0a ? 'an empty line' : describeByte(byte);
  return new VirnucproError('FASTQ_FORMAT', `expected '${expected}' ${where} (FASTQ) but found ${found}`, {
    position,
    hint: FASTQ_LAYOUT_HINT,
  });
}

export function fastqQualityLengthError(bases: number, qualities: number, position: ErrorPosition): VirnucproError {
  return new VirnucproError('FASTQ_FORMAT', `expected ${bases} quality characters, one per base, but the quality line holds ${qualities}`, {
    position,
    hint: 'the file is damaged (or the record wrapped over several lines): regenerate it, or check it with seqkit seq -v',
  });
}

export function fastqTruncatedError(inside: string, position: ErrorPosition): VirnucproError {
  return new VirnucproError('FASTQ_FORMAT', `the input ends inside a FASTQ record, in ${inside}: the record is truncated`, {
    position,
    hint: 'the file is incomplete (an interrupted download or copy?): fetch or write it again',
  });
}

/** A UTF-8 byte-order mark (EF BB BF, as some Windows editors write) before the first header. */
export function byteOrderMarkError(position: ErrorPosition): VirnucproError {
  return new VirnucproError('FASTA_NO_HEADER', "expected '>' at the start of the file but found a UTF-8 byte-order mark (bytes EF BB BF)", {
    position,
    hint: "save the file without a byte-order mark, or strip it: sed '1s/^\\xEF\\xBB\\xBF//' in.fa | virnucpro … -",
  });
}

export function lineEndingsError(position: ErrorPosition): VirnucproError {
  return new VirnucproError(
    'FASTA_LINE_ENDINGS',
    "expected '\\n' or '\\r\\n' line endings but the first line holds a lone '\\r' (classic Mac line endings)",
    {
      position,
      hint: "convert the line endings first: tr '\\r' '\\n' < in.fa | virnucpro … -",
    },
  );
}

export function proteinError(
  percentNucleotide: number,
  letters: number,
  proteinOnly: readonly string[],
  position: ErrorPosition,
): VirnucproError {
  return new VirnucproError(
    'FASTA_PROTEIN',
    `expected nucleotide sequences but only ${percentNucleotide}% of the first ${letters} letters are ` +
      `A/C/G/T/U/N and protein-only letters occur (${proteinOnly.join(', ')})`,
    {
      position,
      hint: 'VirNucPro classifies DNA/RNA reads and translates the six frames itself: give it the nucleotide FASTA',
    },
  );
}
