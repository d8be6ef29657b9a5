import { VirnucproError, type ErrorPosition } from '../errors.js';

/** The errors the FASTA reader raises, one factory each so every message says what was expected and found. */

const BINARY_HINT = 'is this a compressed or binary file? gzip is read directly; decompress other formats first ' +
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
  const hint = byte === 0x40 // '@'
    ? 'this looks like FASTQ: convert it to FASTA first (e.g. seqkit fq2fa reads.fq)'
    : "a FASTA file starts with a header line such as '>read1'; is this a plain sequence or another format?";
  return new VirnucproError('FASTA_NO_HEADER', `expected '>' at the start of a record but found ${describeByte(byte)}`, {
    position,
    hint,
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
  return new VirnucproError('FASTA_LINE_ENDINGS',
    "expected '\\n' or '\\r\\n' line endings but the first line holds a lone '\\r' (classic Mac line endings)", {
      position,
      hint: "convert the line endings first: tr '\\r' '\\n' < in.fa | virnucpro … -",
    });
}

export function proteinError(percentNucleotide: number, letters: number, proteinOnly: readonly string[],
  position: ErrorPosition): VirnucproError {
  return new VirnucproError('FASTA_PROTEIN',
    `expected nucleotide sequences but only ${percentNucleotide}% of the first ${letters} letters are ` +
    `A/C/G/T/U/N and protein-only letters occur (${proteinOnly.join(', ')})`, {
      position,
      hint: 'VirNucPro classifies DNA/RNA reads and translates the six frames itself: give it the nucleotide FASTA',
    });
}
