import { describe, expect, it } from 'vitest';
import type { Matrix, TokenBatch } from '../../src/model/batches.js';
import type { InferenceBackend, InferenceBackendDescription } from '../../src/model/inferenceBackend.js';
import type { EmbeddingModel } from '../../src/model/modelSpec.js';
import { parseDeviceIds } from '../../src/model/deviceIds.js';
import { SpreadBackend, startOnDevices } from '../../src/model/spreadBackend.js';

const MODEL: EmbeddingModel = {
  kind: 'embedding',
  label: 'DNABERT-S',
  file: 'x.onnx',
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  output: 'last_hidden_state',
  pooling: 'mean',
  hiddenSize: 2,
};

/** A backend answering each batch with [rows, 2] = (batch id, member index) after `delayMs`; it records what it ran. */
class FakeDevice implements InferenceBackend<TokenBatch> {
  readonly model = MODEL;
  readonly outputWidth = 2;
  readonly ran: number[] = [];
  closed = false;
  constructor(
    readonly index: number,
    readonly concurrency: number,
    private readonly delayMs: number,
    readonly fail?: number,
  ) {}

  async run(batch: TokenBatch): Promise<Matrix> {
    const id = batch.length; // the tests use the padded length as the batch's id
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (id === this.fail) throw new Error(`device ${this.index} failed on batch ${id}`);
    this.ran.push(id);
    const data = new Float32Array(batch.rows * 2);
    for (let r = 0; r < batch.rows; r++) data.set([id, this.index], r * 2);
    return { rows: batch.rows, columns: 2, data };
  }

  describe(): InferenceBackendDescription {
    return {
      backend: 'fake',
      model: MODEL.label,
      device: `fake:${this.index}`,
      concurrency: this.concurrency,
      details: { delayMs: this.delayMs },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function batch(id: number, rows = 3): TokenBatch {
  return { rows, length: id, buffer: new ArrayBuffer(rows * id * 16) } as TokenBatch;
}

describe('SpreadBackend: one model over several devices', () => {
  it("runs every batch exactly once, on one member, and answers it with that member's result", async () => {
    const devices = [new FakeDevice(0, 1, 5), new FakeDevice(1, 1, 5)];
    const spread = new SpreadBackend(devices);
    expect(spread.concurrency).toBe(2);
    const ids = Array.from({ length: 20 }, (_, i) => i + 1);
    const results = await Promise.all(ids.map((id) => spread.run(batch(id))));
    results.forEach((result, i) => {
      expect(result.rows).toBe(3);
      expect(result.data[0]).toBe(ids[i]);
      expect(devices[result.data[1]!]!.ran).toContain(ids[i]);
    });
    expect([...devices[0]!.ran, ...devices[1]!.ran].sort((a, b) => a - b)).toEqual(ids);
    // With requests kept in flight, both devices work: the free one takes the next batch.
    expect(devices[0]!.ran.length).toBe(10);
    expect(devices[1]!.ran.length).toBe(10);
  });

  it('sends more batches to a faster device when the caller keeps `concurrency` requests in flight', async () => {
    const devices = [new FakeDevice(0, 1, 1), new FakeDevice(1, 1, 50)];
    const spread = new SpreadBackend(devices);
    let next = 1;
    const worker = async (): Promise<void> => {
      while (next <= 40) await spread.run(batch(next++));
    };
    await Promise.all(Array.from({ length: spread.concurrency }, worker));
    expect(devices[0]!.ran.length + devices[1]!.ran.length).toBe(40);
    expect(devices[0]!.ran.length).toBeGreaterThan(devices[1]!.ran.length * 2);
  });

  it('weighs members by their concurrency', async () => {
    const devices = [new FakeDevice(0, 3, 5), new FakeDevice(1, 1, 5)];
    const spread = new SpreadBackend(devices);
    await Promise.all(Array.from({ length: 4 }, (_, i) => spread.run(batch(i + 1))));
    expect(devices[0]!.ran).toHaveLength(3);
    expect(devices[1]!.ran).toHaveLength(1);
  });

  it('reports per device what it did, and describes itself as the list of devices', async () => {
    const devices = [new FakeDevice(0, 1, 3), new FakeDevice(1, 1, 3)];
    const spread = new SpreadBackend(devices);
    await Promise.all([spread.run(batch(1, 4)), spread.run(batch(2, 5)), spread.run(batch(3, 6))]);
    const stats = spread.stats;
    expect(stats.map((s) => s.device)).toEqual(['fake:0', 'fake:1']);
    expect(stats.reduce((sum, s) => sum + s.batches, 0)).toBe(3);
    expect(stats.reduce((sum, s) => sum + s.rows, 0)).toBe(15);
    expect(stats.every((s) => s.busySeconds > 0)).toBe(true);
    const description = spread.describe();
    expect(description).toMatchObject({ backend: 'spread(fake)', model: 'DNABERT-S', device: 'fake:0,fake:1', concurrency: 2 });
    expect((description.details['members'] as unknown[]).length).toBe(2);
  });

  it("passes a member's failure to the caller and keeps serving on the others", async () => {
    const devices = [new FakeDevice(0, 1, 1, 2), new FakeDevice(1, 1, 1)];
    const spread = new SpreadBackend(devices);
    await expect(spread.run(batch(2))).rejects.toThrow('device 0 failed on batch 2');
    await expect(spread.run(batch(5))).resolves.toMatchObject({ rows: 3 });
    expect(spread.stats.reduce((sum, s) => sum + s.batches, 0)).toBe(1); // a failed batch is not counted as done
  });

  it('closes every member, and refuses members of different models or none', async () => {
    const devices = [new FakeDevice(0, 1, 1), new FakeDevice(1, 1, 1)];
    await new SpreadBackend(devices).close();
    expect(devices.every((d) => d.closed)).toBe(true);
    expect(() => new SpreadBackend([])).toThrow(/at least one member/);
    const other = Object.assign(new FakeDevice(1, 1, 1), { model: { ...MODEL, label: 'ESM-2' } });
    expect(() => new SpreadBackend([devices[0]!, other])).toThrow(/different models/);
  });
});

describe('SpreadBackend: padded lengths', () => {
  it('asks for the largest padding multiple any member wants (a member without one wants 1)', () => {
    const cuda = Object.assign(new FakeDevice(0, 1, 0), { paddedLengthMultiple: 4 });
    expect(new SpreadBackend([new FakeDevice(1, 1, 0), cuda]).paddedLengthMultiple).toBe(4);
    expect(new SpreadBackend([new FakeDevice(0, 1, 0), new FakeDevice(1, 1, 0)]).paddedLengthMultiple).toBe(1);
  });
});

describe('parseDeviceIds: --device-id', () => {
  it('takes one index, a list (repeats allowed: two workers on one card), or all', () => {
    expect(parseDeviceIds('0')).toEqual([0]);
    expect(parseDeviceIds('0,1')).toEqual([0, 1]);
    expect(parseDeviceIds(' 1, 0 ')).toEqual([1, 0]);
    expect(parseDeviceIds('0,0')).toEqual([0, 0]);
    expect(parseDeviceIds('all', () => 3)).toEqual([0, 1, 2]);
  });

  it('refuses what is not a list of indices, and all when the GPUs cannot be counted', () => {
    for (const bad of ['', 'x', '0,', '-1', '1.5', '0;1']) {
      expect(() => parseDeviceIds(bad), bad).toThrow(/invalid --device-id/);
    }
    expect(() => parseDeviceIds('all', () => undefined)).toThrow(/cannot count the GPUs/);
    expect(() => parseDeviceIds('all', () => 0)).toThrow(/cannot count the GPUs/);
  });
});

describe('startOnDevices', () => {
  it('starts one backend per device and spreads over them; one device gives the backend itself', async () => {
    const one = await startOnDevices([3], async (id) => new FakeDevice(id, 1, 1));
    expect(one).toBeInstanceOf(FakeDevice);
    const two = await startOnDevices([0, 1], async (id) => new FakeDevice(id, 1, 1));
    expect(two).toBeInstanceOf(SpreadBackend);
    expect(two.describe().device).toBe('fake:0,fake:1');
  });

  it('closes the started ones when one device fails to start', async () => {
    const started: FakeDevice[] = [];
    const failing = startOnDevices([0, 1, 2], async (id) => {
      if (id === 1) throw new Error('device 1: out of memory');
      const device = new FakeDevice(id, 1, 1);
      started.push(device);
      return device;
    });
    await expect(failing).rejects.toThrow('device 1: out of memory');
    expect(started.map((d) => d.closed)).toEqual([true, true]);
  });
});
