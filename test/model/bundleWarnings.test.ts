import { describe, expect, it } from 'vitest';
import { bundleNotices } from '../../src/model/bundleWarnings.js';

/** A bundle as bundleNotices reads it: verified, meaningful, with the given provenance. */
const bundle = (provenance: Record<string, string>, more: { meaningless?: boolean; missingChecksums?: string[] } = {}) => ({
  name: 'b',
  meaningless: more.meaningless ?? false,
  provenance,
  missingChecksums: more.missingChecksums ?? [],
  manifestFile: '/x/manifest.json',
});

describe('bundleNotices', () => {
  it('says nothing of a verified, meaningful bundle used on the device it was exported for', () => {
    expect(bundleNotices(bundle({ precision: 'fp32' }), 'cpu', 'predictions')).toEqual([]);
    expect(bundleNotices(bundle({ precision: 'fp16' }), 'cuda', 'predictions')).toEqual([]);
    expect(bundleNotices(bundle({}), 'cuda', 'predictions')).toEqual([]);
  });

  it('says which export a device wants: fp16 on a GPU, fp32 on the CPU', () => {
    const [cuda] = bundleNotices(bundle({ precision: 'fp32' }), 'cuda', 'predictions');
    expect(cuda).toEqual({
      kind: 'precision-device',
      count: 1,
      message:
        "bundle 'b' is a float32 export: on cuda it runs slower than an fp16 export of the same models (tools/export_bundle.py --fp16; docs/gpu.md)",
    });
    expect(bundleNotices(bundle({ precision: 'fp32' }), 'webgpu', 'embeddings').map((n) => n.kind)).toEqual(['precision-device']);
    const [cpu] = bundleNotices(bundle({ precision: 'fp16' }), 'cpu', 'embeddings');
    expect(cpu?.message).toMatch(/^bundle 'b' is an fp16 export, made for GPUs: on the CPU it runs slower/);
  });

  it('flags the results of a meaningless bundle, naming them, and files without a checksum, in that order', () => {
    const notices = bundleNotices(
      bundle({ precision: 'fp16' }, { meaningless: true, missingChecksums: ['a.onnx', 'b.onnx'] }),
      'cpu',
      'embeddings',
    );
    expect(notices.map((n) => [n.kind, n.count])).toEqual([
      ['meaningless-bundle', 1],
      ['unverified-files', 2],
      ['precision-device', 1],
    ]);
    expect(notices[0]!.message).toBe("bundle 'b' is marked meaningless (demo or test weights): so are these embeddings");
  });
});
