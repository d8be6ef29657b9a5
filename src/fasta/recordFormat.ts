/** The record formats the reader takes. */
export type RecordFormat = 'fasta' | 'fastq';

/**
 * The format of a text input, from its first byte that is not whitespace: '@' is FASTQ, anything else FASTA
 * (whose parser names what it found instead of a '>'). Undefined while `bytes` hold only whitespace.
 */
export function recordFormat(bytes: Uint8Array): RecordFormat | undefined {
  for (const byte of bytes) {
    if (byte === 0x0a || byte === 0x0d || byte === 0x20 || byte === 0x09) continue;
    return byte === 0x40 ? 'fastq' : 'fasta';
  }
  return undefined;
}
