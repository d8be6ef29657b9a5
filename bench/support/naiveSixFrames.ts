/**
 * A deliberately simple, string-based implementation of the original's chunking and six-frame
 * identification (spec sections 2-4), written from the spec independently of src/sequence: the oracle of
 * the randomized tests and the baseline of bench/micro/translate.bench.ts. Speed is not a goal.
 */

/** The standard code written the other way round from src/sequence/geneticCode.ts: residue → codons. */
const CODONS_BY_RESIDUE: Record<string, string> = {
  A: 'GCT GCC GCA GCG',
  R: 'CGT CGC CGA CGG AGA AGG',
  N: 'AAT AAC',
  D: 'GAT GAC',
  C: 'TGT TGC',
  Q: 'CAA CAG',
  E: 'GAA GAG',
  G: 'GGT GGC GGA GGG',
  H: 'CAT CAC',
  I: 'ATT ATC ATA',
  L: 'TTA TTG CTT CTC CTA CTG',
  K: 'AAA AAG',
  M: 'ATG',
  F: 'TTT TTC',
  P: 'CCT CCC CCA CCG',
  S: 'TCT TCC TCA TCG AGT AGC',
  T: 'ACT ACC ACA ACG',
  W: 'TGG',
  Y: 'TAT TAC',
  V: 'GTT GTC GTA GTG',
  '*': 'TAA TAG TGA',
};
export const CODON_TABLE = new Map<string, string>(
  Object.entries(CODONS_BY_RESIDUE).flatMap(([residue, codons]) => codons.split(' ').map((codon) => [codon, residue] as [string, string])),
);

/** The original chunker, literally: the step list, then the walk zipped with it. */
export function naiveChunks(seq: string, size: number): { start: number; end: number; text: string }[] {
  const n = Math.ceil(seq.length / size);
  const rest = n * size - seq.length;
  const lo = Math.floor(rest / n);
  const need = rest - lo * (n - 1);
  const steps = [...Array<number>(need).fill(lo + 1), ...Array<number>(Math.max(0, n - 1 - need)).fill(lo), 0];
  const out: { start: number; end: number; text: string }[] = [];
  let move = 0;
  for (let k = 0, a = 0; a < seq.length && k < steps.length; k++, a += size) {
    const start = a - move;
    const text = seq.slice(start, start + size);
    out.push({ start, end: start + text.length, text });
    move += steps[k]!;
  }
  return out;
}

export function naiveTranslate(seq: string): string {
  let protein = '';
  for (let i = 0; i + 3 <= seq.length; i += 3) protein += CODON_TABLE.get(seq.slice(i, i + 3)) ?? '';
  return protein;
}

export function naiveReverseComplement(seq: string): string {
  const complement: Record<string, string> = { A: 'T', T: 'A', C: 'G', G: 'C', a: 't', t: 'a', c: 'g', g: 'c' };
  return [...seq]
    .reverse()
    .map((ch) => complement[ch] ?? ch)
    .join('');
}

export interface NaiveFrame {
  readonly suffix: string;
  /** Raw translation, `*` included. */
  readonly translation: string;
  readonly kept: boolean;
  /** The original's nucleotide slice (meaningful when kept). */
  readonly nucleotide: string;
}

/** All six frames of one chunk, F1..R3. */
export function naiveSixFrames(chunk: string): NaiveFrame[] {
  const upper = chunk.toUpperCase();
  const strands = [upper, naiveReverseComplement(upper)];
  const frames: NaiveFrame[] = [];
  strands.forEach((strand, s) => {
    for (let f = 0; f < 3; f++) {
      const translation = naiveTranslate(strand.slice(f));
      frames.push({
        suffix: `${'FR'[s]}${f + 1}`,
        translation,
        kept: translation !== '' && !translation.includes('*'),
        nucleotide: strand.slice(f, f + 1 + 3 * translation.length),
      });
    }
  });
  return frames;
}

/** Kept frame of a read set: what the original writes to its identified files. */
export interface NaiveKept {
  readonly id: string;
  readonly nucleotide: string;
  readonly protein: string;
}

/** Chunks then keeps frames for every record, in the original's order. */
export function naiveIdentify(records: readonly { id: string; seq: string }[], size: number): NaiveKept[] {
  const kept: NaiveKept[] = [];
  for (const { id, seq } of records) {
    naiveChunks(seq, size).forEach(({ text }, k) => {
      for (const frame of naiveSixFrames(text)) {
        if (frame.kept) kept.push({ id: `${id}_chunk_${k + 1}${frame.suffix}`, nucleotide: frame.nucleotide, protein: frame.translation });
      }
    });
  }
  return kept;
}
