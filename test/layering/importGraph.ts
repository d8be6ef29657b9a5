import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The import graph of the library's sources (src/ and operators/, as .ts), and the one rule it must keep:
 * imports run down the layers, never back up. A layer may import its own folder, its peers and anything
 * below; the barrel (src/index.ts) may import everything and nothing may import it.
 */

/** Top to bottom. Folders of one row are peers. */
export const LAYERS: readonly (readonly string[])[] = [
  ['barrel'],
  ['cli'],
  ['pipeline'],
  ['operators'],
  ['embed', 'classify', 'output', 'model', 'sequence', 'fasta', 'packing', 'tokenize'],
  ['flow', 'errors'],
];

/** The layer a source file belongs to, named as in LAYERS: its folder under src/ (src/errors.ts is 'errors'). */
export function layerOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'operators') return 'operators';
  if (parts[0] !== 'src') throw new Error(`${file}: not under src/ or operators/`);
  if (parts.length === 2) return parts[1] === 'index.ts' ? 'barrel' : parts[1]!.replace(/\.ts$/, '');
  return parts[1]!;
}

function rankOf(layer: string): number | undefined {
  const rank = LAYERS.findIndex((row) => row.includes(layer));
  return rank < 0 ? undefined : rank;
}

export interface ImportArrow {
  /** Both repository-relative .ts paths. */
  readonly from: string;
  readonly to: string;
}

// Static imports and re-exports (possibly over several lines), dynamic import(), and worker files named by
// `new URL('./x.js', import.meta.url)` (a thread runs that module: an arrow as real as an import).
const SPECIFIERS = [
  /\b(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bimport\s+['"]([^'"]+)['"]/g,
  /\bnew\s+URL\(\s*['"](\.[^'"]+\.js)['"]\s*,\s*import\.meta\.url\s*\)/g,
];

/** Relative imports of one file's text, resolved to repository-relative .ts paths. */
export function importsOf(file: string, text: string): string[] {
  const found = new Set<string>();
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const pattern of SPECIFIERS) {
    for (const match of code.matchAll(pattern)) {
      const specifier = match[1]!;
      if (!specifier.startsWith('.')) continue;
      found.add(path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts'));
    }
  }
  return [...found];
}

/** Every .ts file under `roots` of `repo`, repository-relative with '/' separators. */
export function sourceFiles(repo: string, roots: readonly string[] = ['src', 'operators']): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(repo, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(rel);
    }
  };
  for (const root of roots) walk(root);
  return files.sort();
}

export function importArrows(repo: string): ImportArrow[] {
  return sourceFiles(repo).flatMap((from) => importsOf(from, readFileSync(path.join(repo, from), 'utf8')).map((to) => ({ from, to })));
}

/** The arrows that break the layering, each as one line: `from -> to (layer -> layer)` and why. */
export function layeringViolations(arrows: readonly ImportArrow[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of arrows) {
    if (!to.startsWith('src/') && !to.startsWith('operators/')) {
      problems.push(`${from} -> ${to}: imports from outside src/ and operators/`);
      continue;
    }
    const a = layerOf(from);
    const b = layerOf(to);
    const rankA = rankOf(a);
    const rankB = rankOf(b);
    if (rankA === undefined || rankB === undefined) {
      problems.push(`${from} -> ${to}: folder '${rankA === undefined ? a : b}' is in no layer (add it to LAYERS)`);
    } else if (b === 'barrel') {
      problems.push(`${from} -> ${to}: imports the package barrel (import the module itself)`);
    } else if (rankB < rankA) {
      problems.push(`${from} -> ${to}: ${a} imports ${b}, a layer above it`);
    }
  }
  return problems;
}
