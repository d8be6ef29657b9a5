import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { readFasta } from '../../operators/readFasta.js';
import { VirnucproError } from '../../src/errors.js';
import { openInput, openShard } from '../../src/fasta/openInput.js';
import { parseShard, shardByteRange, type Shard } from '../../src/fasta/shard.js';
import { HEADER_HASH_SEED, hashHeaderLine, isSyncRecord } from '../../src/fasta/syncPoint.js';
import { consumeBatches } from '../../src/flow/sink.js';
import { plainRecords, referenceParse, rejectionOf, type PlainRecord } from './fastaTestKit.js';
import { prng } from '../../bench/support/syntheticFasta.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'virnucpro-shard-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/**
 * Random FASTA text: CRLF or LF, wrapped at random widths or one long line, blank lines, descriptions
 * holding '>', '>' inside sequence lines (never at a line start), now and then an empty record.
 */
function randomFasta(seed: number, records: number, longRecords = true): string {
  const random = prng(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const eol = random() < 0.4 ? '\r\n' : '\n';
  let text = random() < 0.2 ? eol : '';
  for (let r = 0; r < records; r++) {
    text += `>r${r}${random() < 0.3 ? ` desc a>b ${pick(100)}` : ''}${eol}`;
    const length = random() < 0.05 ? 0 : random() < 0.1 && longRecords ? 2000 + pick(3000) : 1 + pick(300);
    let seq = '';
    for (let i = 0; i < length; i++) seq += 'ACGTN'[pick(random() < 0.01 ? 5 : 4)];
    if (length > 4 && random() < 0.2) seq = `${seq.slice(0, 2)}>${seq.slice(3)}`; // '>' inside a line
    const width = random() < 0.3 ? Math.max(1, length) : 1 + pick(80);
    for (let at = 0; at < length; at += width) {
      text += seq.slice(at, at + width) + (random() < 0.05 ? ' ' : '') + eol;
      if (random() < 0.03) text += eol;
    }
  }
  return text;
}

/** Average bytes between sync records in these tests: small, so that files of a few KiB have many. */
const SYNC_BYTES = 150;

interface Header {
  /** Byte offset of the '>'. */
  readonly offset: number;
  /** Whether the record it starts is a sync record: judged from its whole header line and its raw length. */
  readonly sync: boolean;
}

/** The header lines of `text` (lines starting with '>'), found line by line, and which start sync records. */
function headers(text: string, syncBytes: number): Header[] {
  const found: { offset: number; line: string }[] = [];
  let at = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('>')) found.push({ offset: at, line: line.slice(1) });
    at += line.length + 1;
  }
  return found.map(({ offset, line }, i) => {
    const length = (found[i + 1]?.offset ?? text.length) - offset;
    return { offset, sync: isSyncRecord(hashHeaderLine(HEADER_HASH_SEED, Buffer.from(line, 'latin1'), 0, line.length), length, syncBytes) };
  });
}

/** 1-based line of byte `offset` of `text`. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

interface ShardExpectation {
  readonly records: PlainRecord[];
  /** Where the shard's bytes (and its line numbers) start; undefined for an empty shard. */
  readonly firstByte: number | undefined;
}

/**
 * What shard K of N of `text` must hold, computed independently: the byte range from rational arithmetic,
 * each record's header offset and sync from a line scan, records and lines from the reference parser. The
 * shard runs from the first sync record at or after its range start (the file's start for the first
 * non-empty range) to the first one at or after its range end; lines count from its first byte.
 */
function expectedShard(text: string, shard: Shard, syncBytes = SYNC_BYTES): ShardExpectation {
  const size = text.length;
  const start = Math.floor(((shard.index - 1) * size) / shard.count);
  const end = Math.floor((shard.index * size) / shard.count);
  const all = headers(text, syncBytes);
  const after = (threshold: number): number => {
    const i = all.findIndex((header) => header.sync && header.offset >= threshold);
    return i < 0 ? all.length : i;
  };
  const from = start === end ? all.length : start === 0 ? 0 : after(start);
  const to = after(end);
  const mine = referenceParse(text)
    .map((record, i) => ({ record, offset: all[i]!.offset }))
    .slice(from, Math.max(from, to));
  const firstByte = start === 0 && end > 0 ? 0 : mine[0]?.offset;
  const base = firstByte === undefined ? 1 : lineAt(text, firstByte);
  const records = mine
    .map(({ record }) => record)
    .filter((record) => record.seq !== '')
    .map((record) => ({ ...record, line: record.line - base + 1 }));
  return { records, firstByte };
}

interface ReadResult {
  readonly records: PlainRecord[];
  readonly sources: Set<string>;
  /** The ids of each batch. */
  readonly batches: string[][];
}

/** Reads `file` (or one shard of it) with small batches (the size rules cut often too). */
async function read(file: string, shard?: Shard, syncBytes = SYNC_BYTES): Promise<ReadResult> {
  const batches: import('../../operators/readFasta.js').FastaBatch[] = [];
  await consumeBatches(
    readFasta(file, { ...(shard ? { shard } : {}), syncBytes, batchRecords: 7, batchBases: 900 }),
    (batch) => void batches.push(batch),
  );
  return {
    records: plainRecords(batches),
    sources: new Set(batches.map((batch) => batch.source)),
    batches: batches.map((batch) => [...batch.ids]),
  };
}

const readShard = (file: string, shard: Shard, syncBytes = SYNC_BYTES): Promise<ReadResult> => read(file, shard, syncBytes);

async function shardBytes(file: string, shard: Shard, chunkBytes?: number, syncBytes = SYNC_BYTES): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of openInput(file, { shard, syncBytes, ...(chunkBytes ? { chunkBytes } : {}) })) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe('parseShard', () => {
  it('reads K/N and K-of-N, and refuses anything else', () => {
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(parseShard('1-of-1')).toEqual({ index: 1, count: 1 });
    expect(parseShard('07/12')).toEqual({ index: 7, count: 12 });
    for (const bad of ['0/4', '5/4', '3/0', '-1/2', '3 /4', '3/4/5', 'a/b', '3of4', '3-of-', '', '1.5/3']) {
      expect(parseShard(bad), bad).toBeUndefined();
    }
  });
});

describe('shardByteRange', () => {
  it('tiles [0, S) with floor((K-1)·S/N), exactly, also where floating point would round', () => {
    for (const size of [0, 1, 5, 6, 7, 1000, 2 ** 40 + 3]) {
      for (let count = 1; count <= 7; count++) {
        let previousEnd = 0;
        for (let index = 1; index <= count; index++) {
          const range = shardByteRange(size, { index, count });
          expect(range.start).toBe(previousEnd);
          expect(range.end).toBe(Number((BigInt(index) * BigInt(size) - ((BigInt(index) * BigInt(size)) % BigInt(count))) / BigInt(count)));
          previousEnd = range.end;
        }
        expect(previousEnd).toBe(size);
      }
    }
    // 3·(2^53 - 1)/3 overflows a double's exact range on the way.
    expect(shardByteRange(2 ** 53 - 1, { index: 3, count: 3 }).end).toBe(2 ** 53 - 1);
  });
});

describe('shards of random files', () => {
  it('every record in exactly one shard, in input order, with the lines of the shard and its name (N = 1..7)', async () => {
    let laterShardsWithRecords = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const text = randomFasta(seed, seed % 5 === 0 ? 3 : 1 + ((seed * 7) % 40));
      const file = path.join(scratch, `random-${seed}.fa`);
      writeFileSync(file, text, 'latin1');
      const whole = referenceParse(text).filter((record) => record.seq !== '');
      const unsharded = await read(file);
      for (let count = 1; count <= 7; count++) {
        const seen: string[] = [];
        const batches: string[][] = [];
        for (let index = 1; index <= count; index++) {
          const shard = { index, count };
          const expected = expectedShard(text, shard);
          const { records, sources } = await readShard(file, shard);
          const context = `seed ${seed}, shard ${index}/${count}`;
          expect(records, context).toEqual(expected.records);
          if (records.length > 0) {
            const name =
              expected.firstByte === 0 ? file : `${file} [shard ${index}/${count}: lines counted from byte ${expected.firstByte}]`;
            expect([...sources], context).toEqual([name]);
          }
          seen.push(...records.map((record) => `${record.id}\t${record.seq}`));
          if (index > 1 && records.length > 0) laterShardsWithRecords += 1;
          batches.push(...(await readShard(file, shard)).batches);
        }
        expect(seen, `seed ${seed}, N = ${count}`).toEqual(whole.map((record) => `${record.id}\t${record.seq}`));
        // The point of sync records: the shards are cut into the batches of the whole run.
        expect(batches, `seed ${seed}, N = ${count}: batches`).toEqual(unsharded.batches);
      }
    }
    // Not a test of shard 1 alone: most later shards hold records.
    expect(laterShardsWithRecords).toBeGreaterThan(200);
  });

  it('the shards bytes, at any read size, concatenate to the file', async () => {
    for (const seed of [3, 21]) {
      const text = randomFasta(seed, 12, false);
      const file = path.join(scratch, `bytes-${seed}.fa`);
      writeFileSync(file, text, 'latin1');
      for (const chunkBytes of [1, 7, 64, undefined]) {
        for (let count = 1; count <= 7; count++) {
          const parts: Buffer[] = [];
          for (let index = 1; index <= count; index++) {
            const bytes = await shardBytes(file, { index, count }, chunkBytes);
            const expected = expectedShard(text, { index, count });
            // A shard starts at its first header (or at byte 0), and ends before the next shard's first header.
            if (bytes.length > 0) expect(bytes.toString('latin1')).toBe(text.slice(expected.firstByte, expected.firstByte! + bytes.length));
            parts.push(bytes);
          }
          expect(Buffer.concat(parts).toString('latin1'), `seed ${seed}, chunkBytes ${chunkBytes}, N = ${count}`).toBe(text);
        }
      }
    }
  });

  it('with every record a sync record: a header exactly at a range start belongs to that shard; one a byte before it to the shard before', async () => {
    for (let count = 1; count <= 7; count++) {
      // Records of 10 bytes: every boundary K·S/N is the offset of a header.
      const records = Array.from({ length: 3 * count }, (_, i) => `>s${String(i).padStart(2, '0')}\nACGT\n`);
      expect(records.every((record) => record.length === 10)).toBe(true);
      const text = records.join('');
      const file = path.join(scratch, `aligned-${count}.fa`);
      writeFileSync(file, text);
      for (let index = 1; index <= count; index++) {
        const { records: got } = await readShard(file, { index, count }, 1);
        expect(got.map((record) => record.id)).toEqual([0, 1, 2].map((k) => `s${String(3 * (index - 1) + k).padStart(2, '0')}`));
      }
      // Shift everything by one byte: each header now starts one byte after a boundary.
      const shifted = path.join(scratch, `shifted-${count}.fa`);
      writeFileSync(shifted, `\n${text}`);
      const ids: string[][] = [];
      for (let index = 1; index <= count; index++)
        ids.push((await readShard(shifted, { index, count }, 1)).records.map((record) => record.id));
      expect(ids.flat()).toEqual(records.map((_, i) => `s${String(i).padStart(2, '0')}`));
      expect(ids).toEqual(
        Array.from({ length: count }, (_, k) => expectedShard(`\n${text}`, { index: k + 1, count }, 1).records.map((record) => record.id)),
      );
      if (count === 2)
        expect(ids).toEqual([
          ['s00', 's01', 's02'],
          ['s03', 's04', 's05'],
        ]);
    }
  });

  it('more shards than records, and more than bytes: the extra shards are empty', async () => {
    const file = path.join(scratch, 'tiny.fa');
    writeFileSync(file, '>a\nA\n');
    const ids: string[][] = [];
    for (let index = 1; index <= 7; index++) ids.push((await readShard(file, { index, count: 7 })).records.map((record) => record.id));
    expect(ids.flat()).toEqual(['a']);
    expect(ids.filter((shard) => shard.length === 0)).toHaveLength(6);
    const empty = path.join(scratch, 'empty.fa');
    writeFileSync(empty, '');
    for (let index = 1; index <= 3; index++) expect((await readShard(empty, { index, count: 3 })).records).toEqual([]);
  });
});

describe('shards read only their range', () => {
  it('reads nothing before the byte ahead of the range, and stops one read after its end', async () => {
    const text = randomFasta(99, 400);
    const file = path.join(scratch, 'spied.fa');
    writeFileSync(file, text, 'latin1');
    const probe = await open(file);
    const prototype = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const reads: { position: number; length: number }[] = [];
    const read = prototype.read;
    vi.spyOn(prototype, 'read').mockImplementation(function (this: unknown, ...args: unknown[]) {
      reads.push({ position: args[3] as number, length: args[2] as number });
      return read.apply(this, args);
    });
    const chunkBytes = 1024;
    for (let index = 1; index <= 7; index++) {
      reads.length = 0;
      const bytes = await shardBytes(file, { index, count: 7 }, chunkBytes);
      const { start, end } = shardByteRange(text.length, { index, count: 7 });
      const data = reads.filter((r) => !(r.position === 0 && r.length === 6)); // the compression sniff
      expect(Math.min(...data.map((r) => r.position))).toBe(Math.max(0, start - 1));
      // It reads on to the next shard's first record, and to the header after it, which gives that record's length.
      const offsets = headers(text, SYNC_BYTES).map((header) => header.offset);
      const stop = expectedShard(text, { index: index + 1, count: 7 }).firstByte ?? text.length;
      const judged = offsets.find((offset) => offset > Math.max(stop, end)) ?? text.length;
      expect(Math.max(...data.map((r) => r.position))).toBeLessThanOrEqual(judged);
      expect(judged - start).toBeLessThan(text.length / 2);
      expect(bytes.length).toBeGreaterThan(0);
    }
  });
});

describe('what cannot be sharded', () => {
  it('refuses stdin and compressed files, pointing to seqkit split2 -s', async () => {
    const stdin = await rejectionOf(openShard('-', { index: 1, count: 2 }));
    expect(stdin).toBeInstanceOf(VirnucproError);
    expect((stdin as VirnucproError).code).toBe('USAGE');
    expect((stdin as VirnucproError).hint).toContain('seqkit split2 -s');
    const gz = path.join(scratch, 'reads.fa.gz');
    writeFileSync(gz, gzipSync('>a\nACGT\n'));
    const compressed = await rejectionOf(shardBytes(gz, { index: 2, count: 3 }));
    expect((compressed as VirnucproError).code).toBe('INPUT_COMPRESSION');
    expect((compressed as VirnucproError).message).toContain('gzip');
    expect((compressed as VirnucproError).hint).toContain(`seqkit split2 -s <records per part> ${gz}`);
    expect(() => readFasta((async function* () {})(), { shard: { index: 1, count: 2 } })).toThrow(TypeError);
  });

  it('names the shard and the byte its lines count from in an error past its start', async () => {
    const text = '>a\nACGT\n>b\nACGT\n>c\nAC\u0001GT\n';
    const file = path.join(scratch, 'binary.fa');
    writeFileSync(file, text, 'latin1');
    // 25 bytes: shard 2/2 is [12, 25), whose first header is '>c' at byte 16; the bad record's header is its line 1.
    expect(shardByteRange(text.length, { index: 2, count: 2 }).start).toBe(12);
    expect(text.indexOf('>c')).toBe(16);
    const error = await rejectionOf(readShard(file, { index: 2, count: 2 }, 1));
    expect((error as VirnucproError).code).toBe('FASTA_BINARY');
    expect((error as VirnucproError).message).toContain(`${file} [shard 2/2: lines counted from byte 16]:1: record 'c':`);
  });
});
