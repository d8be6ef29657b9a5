import { spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

// Every command the docs show runs as written. Convention (the docs' contributors follow it):
// - a fenced block whose info string is `sh` is a command block: it runs with `bash -eo pipefail` in a copy of
//   the checkout, with `virnucpro` on PATH, and must exit 0;
// - `<!-- doc-test: skip: REASON -->` on the line before the fence skips it (internet, GPU, real models, global
//   installs): every skip is listed, with its reason, when this file runs;
// - `<!-- doc-test: stdout-of: COMMAND -->` before a plain fenced block: the block must be exactly COMMAND's
//   stdout (an example output that has to stay true).
// Placeholders the docs use are real files here, on the demo models: reads.fa (the demo reads), reads.fa.gz,
// bundles/virnucpro-500 and bundle-500 (the demo bundle), bundles/virnucpro-300 and bundle-300 (the demo
// bundle relabelled for 300-bp chunks: a stand-in, its classifier was never trained for anything).

interface DocBlock {
  readonly where: string;
  readonly kind: 'command' | 'output';
  readonly text: string;
  readonly skip?: string;
  readonly outputOf?: string;
}

function docFiles(): string[] {
  const inDocs = (dir: string): string[] =>
    readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? inDocs(path.join(dir, entry.name)) : entry.name.endsWith('.md') ? [path.join(dir, entry.name)] : [],
    );
  return ['README.md', 'packaging/README.md', 'tools/README.md', ...inDocs('docs')];
}

/** The `sh` blocks of a markdown file, and the plain blocks marked as some command's output. */
function docBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code fence`);
    const text = lines.slice(i + 1, end).join('\n');
    const marker = /^<!-- doc-test: (skip|stdout-of): (.+?) -->$/.exec(lines[i - 1] ?? '');
    const where = `${file}:${i + 1}`;
    if (fence[1] === 'sh') {
      if (marker?.[1] === 'stdout-of') throw new Error(`${where}: stdout-of marks an output block, not an sh block`);
      blocks.push({ where, kind: 'command', text, ...(marker ? { skip: marker[2]! } : {}) });
    } else if (marker) {
      if (marker[1] !== 'stdout-of') throw new Error(`${where}: a skip marker on a block that is not sh (${fence[1] || 'plain'})`);
      blocks.push({ where, kind: 'output', text, outputOf: marker[2]! });
    }
    i = end;
  }
  return blocks;
}

const blocks = docFiles().flatMap((file) => docBlocks(file, readFileSync(path.join(REPO_ROOT, file), 'utf8')));
const skipped = blocks.filter((block) => block.skip !== undefined);
console.warn(
  `[skip] doc command blocks not run here (${skipped.length}):\n` + skipped.map((block) => `  ${block.where}: ${block.skip}`).join('\n'),
);

/** A copy of the checkout (sharing node_modules and dist/) with the docs' placeholder files, and a PATH. */
function docWorkspace(root: string): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = path.join(root, 'checkout');
  const notCopied = new Set(['node_modules', 'dist', '.git', '.tmp', '.whl', '.carry', 'results']);
  cpSync(REPO_ROOT, cwd, { recursive: true, filter: (src) => !notCopied.has(path.basename(src)) });
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(cwd, 'node_modules'), 'dir');
  symlinkSync(path.join(REPO_ROOT, 'dist'), path.join(cwd, 'dist'), 'dir');

  const reads = readFileSync(path.join(REPO_ROOT, 'examples', 'data', 'demo.fa'));
  writeFileSync(path.join(cwd, 'reads.fa'), reads);
  writeFileSync(path.join(cwd, 'reads.fa.gz'), gzipSync(reads));
  const demo = path.join(REPO_ROOT, 'models', 'demo');
  const demo300 = path.join(cwd, 'bundles', 'virnucpro-300');
  mkdirSync(path.join(cwd, 'bundles'));
  symlinkSync(demo, path.join(cwd, 'bundles', 'virnucpro-500'), 'dir');
  symlinkSync(demo, path.join(cwd, 'bundle-500'), 'dir');
  cpSync(demo, demo300, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(demo300, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(demo300, 'manifest.json'), JSON.stringify({ ...manifest, chunkLength: 300 }));
  symlinkSync(demo300, path.join(cwd, 'bundle-300'), 'dir');

  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'virnucpro'),
    `#!/bin/sh\nexec node ${JSON.stringify(path.join(cwd, 'dist', 'src', 'cli', 'main.js'))} "$@"\n`,
    {
      mode: 0o755,
    },
  );
  return { cwd, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}` } };
}

/**
 * Runs a block with `bash -eo pipefail`, its stdout a file as in `> out.txt` (not Node's default stdio, a socket:
 * a command that ends its stdout shuts the socket down for every later writer, which no terminal or shell pipe
 * does), stdin closed.
 */
async function runShell(
  script: string,
  workspace: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const outFile = path.join(workspace.cwd, '..', 'stdout.txt');
  const out = openSync(outFile, 'w');
  try {
    const child = spawn('bash', ['-eo', 'pipefail', '-c', script], {
      cwd: workspace.cwd,
      env: workspace.env,
      stdio: ['ignore', out, 'pipe'],
      timeout: 120_000,
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    return { code, stdout: readFileSync(outFile, 'utf8'), stderr };
  } finally {
    closeSync(out);
  }
}

describe('every command block in the docs runs as written (on the demo bundle)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'virnucpro-docs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds the blocks (README and docs/predict.md have runnable ones)', () => {
    const runnable = blocks.filter((block) => block.kind === 'command' && block.skip === undefined).map((b) => b.where);
    expect(runnable.some((where) => where.startsWith('README.md:'))).toBe(true);
    expect(runnable.some((where) => where.startsWith('docs/predict.md:'))).toBe(true);
  });

  for (const block of blocks) {
    const title = block.kind === 'command' ? `${block.where} runs` : `${block.where} is the output of \`${block.outputOf}\``;
    it.skipIf(block.skip !== undefined)(
      title,
      async () => {
        const script = block.kind === 'command' ? block.text : block.outputOf!;
        // Each block in a fresh workspace: a reader of one page has not run another page's commands.
        const workspace = docWorkspace(mkdtempSync(path.join(root, 'block-')));
        const result = await runShell(script, workspace);
        if (result.code !== 0) {
          const stderr = result.stderr
            .split('\n')
            .filter((line) => !/^(\S+Z )?\[INFO\]/.test(line))
            .join('\n');
          throw new Error(
            `${block.where}: this block from the docs failed (exit ${result.code}):\n${script}\n` +
              `--- stderr, [INFO] lines left out:\n${stderr.slice(-3000)}`,
          );
        }
        if (block.kind === 'output') {
          expect(result.stdout, `${block.where}: the docs' example output differs from the real output`).toBe(`${block.text}\n`);
        }
      },
      150_000,
    );
  }
});
