import { BYTE_NON_IUPAC, SEQUENCE_BYTE_CLASS } from './alphabet.js';

/**
 * What sequence lines hold. 'nucleotide' (the default, what VirNucPro classifies): the protein rule refuses
 * protein FASTA and characters outside the IUPAC codes are warned about. 'protein' (`virnucpro embed --kind
 * protein`): every printable character is kept without a warning (ESM-2 reads letters outside its alphabet as
 * `<unk>`) and the protein rule is off; spaces are still removed and binary bytes still refused.
 */
export type SequenceAlphabet = 'nucleotide' | 'protein';
export const SEQUENCE_ALPHABETS: readonly SequenceAlphabet[] = ['nucleotide', 'protein'];

/** {@link SEQUENCE_BYTE_CLASS} for protein sequences: no printable character is odd. */
export const PROTEIN_BYTE_CLASS: Uint8Array = SEQUENCE_BYTE_CLASS.map((cls) => (cls === BYTE_NON_IUPAC ? 0 : cls));
