import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { readOnnxInterface } from '../../src/model/onnxInterface.js';
import { onnxFixture } from './support/fixtureModels.js';

describe('readOnnxInterface', () => {
  it.each(['encoder_h6.onnx', 'encoder_pooled.onnx', 'encoder_wrong_output.onnx', 'classifier_w12.onnx', 'broadcast_h768.onnx'])(
    '%s: agrees with the metadata of an onnxruntime session',
    async (name) => {
      const session = await ort.InferenceSession.create(onnxFixture(name));
      const fromOrt = (values: readonly ort.InferenceSession.ValueMetadata[]) =>
        values.map((v) => (v.isTensor ? { name: v.name, type: v.type, shape: [...v.shape] } : { name: v.name }));
      const graph = await readOnnxInterface(onnxFixture(name));
      expect(graph.inputs).toEqual(fromOrt(session.inputMetadata));
      expect(graph.outputs).toEqual(fromOrt(session.outputMetadata));
      await session.release();
    },
  );

  it('reads names, element types and fixed and symbolic dimensions', async () => {
    expect(await readOnnxInterface(onnxFixture('encoder_pooled.onnx'))).toEqual({
      inputs: [
        { name: 'input_ids', type: 'int64', shape: ['batch', 'tokens'] },
        { name: 'attention_mask', type: 'int64', shape: ['batch', 'tokens'] },
      ],
      outputs: [
        { name: 'last_hidden_state', type: 'float32', shape: ['batch', 'tokens', 6] },
        { name: 'pooled_mean', type: 'float32', shape: ['batch', 6] },
      ],
    });
  });

  describe('broken files are MODEL_LOAD naming the file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-onnx-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const expectLoadError = async (file: string, message: RegExp): Promise<void> => {
      const error = await readOnnxInterface(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VirnucproError);
      expect((error as VirnucproError).code).toBe('MODEL_LOAD');
      expect((error as VirnucproError).position?.file).toBe(file);
      expect((error as VirnucproError).message).toMatch(message);
    };

    it('a truncated file', () => expectLoadError(onnxFixture('truncated.onnx'), /not a readable ONNX model .*truncated\?/));
    it('a missing file', () => expectLoadError(onnxFixture('absent.onnx'), /cannot open the ONNX file/));
    it('a JSON file', async () => {
      const file = path.join(dir, 'manifest.onnx');
      await writeFile(file, '{"format": "virnucpro-bundle"}\n');
      await expectLoadError(file, /not a readable ONNX model/);
    });
    it('an empty file', async () => {
      const file = path.join(dir, 'empty.onnx');
      await writeFile(file, '');
      await expectLoadError(file, /it has no ir_version/);
    });
  });
});
