import { prng } from './syntheticFasta.js';

/**
 * `count` reads `s0 … s<count-1>` of 100-1 500 bp, 60-column lines, headers with a description: two in three
 * of plain random ACGT (few kept frames), one in three from a G/C-rich alphabet (stop-free frames, so several
 * kept frames per chunk). Deterministic in `seed`.
 */
export function syntheticReads(count: number, seed: number): string {
  const random = prng(seed);
  let text = '';
  for (let i = 0; i < count; i++) {
    const length = 100 + Math.floor(random() * 1400);
    const alphabet = i % 3 === 0 ? 'GGCCGCA' : 'ACGT';
    let sequence = '';
    for (let b = 0; b < length; b++) sequence += alphabet[Math.floor(random() * alphabet.length)];
    text += `>s${i} synthetic read\n${sequence.replace(/(.{60})/g, '$1\n')}\n`;
  }
  return text;
}
