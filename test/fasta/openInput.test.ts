import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, chmodSync, rmSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { decompress } from '../../src/fasta/decompress.js';
import { openInput } from '../../src/fasta/openInput.js';
import { fixture, piecesOf, rejectionOf } from './fastaTestKit.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'virnucpro-open-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function inputError(input: string): Promise<VirnucproError> {
  const error = await rejectionOf(collect(openInput(input)));
  expect(error).toBeInstanceOf(VirnucproError);
  return error as VirnucproError;
}

/** Open file descriptors of this process (Linux); what closing a file changes. */
const openFds = (): number => readdirSync('/proc/self/fd').length;
const hasProc = existsSync('/proc/self/fd');

/** Random-ish FASTA text of about `bytes` bytes. */
function sampleText(bytes: number): string {
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `>r${i} sample\n${'ACGTTGCANNGGCATT'.repeat(1 + (i % 9))}\n`;
  return text;
}

describe('openInput: plain and gzip files', () => {
  it('reads a plain file in chunks of chunkBytes', async () => {
    const file = path.join(scratch, 'plain.fa');
    const text = sampleText(100_000);
    writeFileSync(file, text);
    const sizes: number[] = [];
    const bytes = await collect(
      (async function* () {
        for await (const chunk of openInput(file, { chunkBytes: 4096 })) {
          sizes.push(chunk.length);
          yield chunk;
        }
      })(),
    );
    expect(bytes.toString('latin1')).toBe(text);
    expect(Math.max(...sizes)).toBe(4096);
  });

  it('gunzips a single member, all members of a multi-member file, and a large file', async () => {
    expect((await collect(openInput(fixture('single-member.fa.gz')))).toString()).toBe('>m1\nACGT\n');
    expect((await collect(openInput(fixture('multi-member.fa.gz')))).toString()).toBe('>m1\nACGT\n>m2\nGGCC\nTT\n');
    const text = sampleText(3_000_000);
    const file = path.join(scratch, 'large.fa.gz');
    writeFileSync(file, Buffer.concat([gzipSync(text.slice(0, 1_000_000)), gzipSync(text.slice(1_000_000))]));
    expect((await collect(openInput(file))).toString('latin1')).toBe(text);
  });

  it('sniffs the format from the bytes, not the name', async () => {
    const gzNamedFa = path.join(scratch, 'really-gzip.fa');
    writeFileSync(gzNamedFa, readFileSync(fixture('single-member.fa.gz')));
    expect((await collect(openInput(gzNamedFa))).toString()).toBe('>m1\nACGT\n');
    const plainNamedGz = path.join(scratch, 'really-plain.fa.gz');
    writeFileSync(plainNamedGz, '>p\nAC\n');
    expect((await collect(openInput(plainNamedGz))).toString()).toBe('>p\nAC\n');
  });

  it('reports a truncated gzip as GZIP_TRUNCATED and a damaged one as GZIP_CORRUPT, naming the file', async () => {
    const truncated = await inputError(fixture('truncated.fa.gz'));
    expect(truncated).toMatchObject({ code: 'GZIP_TRUNCATED', position: { file: fixture('truncated.fa.gz') } });
    expect(truncated.message).toContain(fixture('truncated.fa.gz'));
    const corrupt = await inputError(fixture('corrupt.fa.gz'));
    expect(corrupt).toMatchObject({ code: 'GZIP_CORRUPT', position: { file: fixture('corrupt.fa.gz') } });
  });

  it.each([
    ['reads.fa.bz2', 'bzip2', 'bzip2 -dc'],
    ['reads.fa.xz', 'xz', 'xz -dc'],
    ['reads.fa.zst', 'zstd', 'zstd -dc'],
  ])('refuses %s with the command that decompresses it', async (name, format, command) => {
    const error = await inputError(fixture(name));
    expect(error.code).toBe('INPUT_COMPRESSION');
    expect(error.message).toContain(`found ${format}-compressed data`);
    expect(error.hint).toBe(`decompress first: ${command} ${fixture(name)} | virnucpro … -`);
  });

  it('reports a missing path and a directory as INPUT_NOT_FOUND with the path', async () => {
    const missing = path.join(scratch, 'nope.fa');
    expect(await inputError(missing)).toMatchObject({ code: 'INPUT_NOT_FOUND', position: { file: missing } });
    expect(await inputError(scratch)).toMatchObject({ code: 'INPUT_NOT_FOUND', position: { file: scratch } });
    expect((await inputError(scratch)).message).toContain('is a directory');
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file as INPUT_READ (permission denied)', async () => {
    const locked = path.join(scratch, 'locked.fa');
    writeFileSync(locked, '>a\nAC\n');
    chmodSync(locked, 0o000);
    expect(await inputError(locked)).toMatchObject({ code: 'INPUT_READ', position: { file: locked } });
  });

  it('validates its arguments at once', () => {
    expect(() => openInput('')).toThrow(TypeError);
    expect(() => openInput('x.fa', { chunkBytes: 0 })).toThrow(/options\.chunkBytes/);
  });
});

describe('openInput: laziness, closing, abort', () => {
  it('opens nothing before iteration starts', async () => {
    const later = path.join(scratch, 'created-later.fa');
    const input = openInput(later); // does not throw although the file does not exist yet
    writeFileSync(later, '>late\nAC\n');
    expect((await collect(input)).toString()).toBe('>late\nAC\n');
  });

  it.skipIf(!hasProc)('closes the file when the consumer stops early (plain and gzip)', async () => {
    const plain = path.join(scratch, 'close.fa');
    writeFileSync(plain, sampleText(200_000));
    const gz = path.join(scratch, 'close.fa.gz');
    writeFileSync(gz, gzipSync(sampleText(2_000_000)));
    for (const file of [plain, gz]) {
      const before = openFds();
      for await (const chunk of openInput(file, { chunkBytes: 1024 })) {
        expect(chunk.length).toBeGreaterThan(0);
        expect(openFds()).toBe(before + 1);
        break;
      }
      expect(openFds()).toBe(before);
    }
  });

  it.skipIf(!hasProc)('stops with the signal reason and closes the file when aborted', async () => {
    const file = path.join(scratch, 'abort.fa');
    writeFileSync(file, sampleText(200_000));
    const before = openFds();
    const controller = new AbortController();
    const reason = new Error('enough');
    let chunks = 0;
    const run = (async () => {
      for await (const _ of openInput(file, { chunkBytes: 1024, signal: controller.signal })) {
        chunks += 1;
        if (chunks === 2) controller.abort(reason);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(chunks).toBe(2);
    expect(openFds()).toBe(before);
  });
});

describe('decompress: any byte stream', () => {
  it('sniffs gzip from one-byte chunks and decodes a Node stream', async () => {
    const gz = readFileSync(fixture('multi-member.fa.gz'));
    const viaBytes = await collect(decompress(piecesOf(gz, [1]), { name: 'x' }));
    expect(viaBytes.toString()).toBe('>m1\nACGT\n>m2\nGGCC\nTT\n');
    const viaStream = await collect(decompress(createReadStream(fixture('multi-member.fa.gz')), { name: 'x' }));
    expect(viaStream.toString()).toBe('>m1\nACGT\n>m2\nGGCC\nTT\n');
  });

  it('passes short and empty plain inputs through unchanged', async () => {
    expect((await collect(decompress(piecesOf(Buffer.from('>')), { name: 'x' }))).toString()).toBe('>');
    expect((await collect(decompress(piecesOf(new Uint8Array(0)), { name: 'x' }))).length).toBe(0);
  });
});

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OPEN_INPUT_JS = path.resolve(HERE, '../../src/fasta/openInput.js');

/** Runs a child that reads '-' with openInput and prints what it got, feeding `stdin`. */
function readStdinInChild(stdin: Uint8Array): Promise<string> {
  const script = `import { openInput } from ${JSON.stringify(OPEN_INPUT_JS)};
    const parts = []; for await (const c of openInput('-')) parts.push(c);
    process.stdout.write(Buffer.concat(parts));`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { encoding: 'latin1' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin!.end(stdin);
  });
}

describe("openInput('-'): stdin", () => {
  it('reads plain and gzip input from stdin', async () => {
    const text = sampleText(300_000);
    expect(await readStdinInChild(Buffer.from(text, 'latin1'))).toBe(text);
    expect(await readStdinInChild(readFileSync(fixture('multi-member.fa.gz')))).toBe('>m1\nACGT\n>m2\nGGCC\nTT\n');
  });
});
