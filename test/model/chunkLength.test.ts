import { describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { chooseChunkLength, chunkLengthOption } from '../../src/model/chunkLength.js';

// The one place a run's chunk length is decided: loadBundle, predict and runPredict all ask it, so the
// refusal (code, exit code, message, hint) is the same whichever entry point a run came in by.

describe('chooseChunkLength', () => {
  it("runs the requested length, or the classifier's when none is requested", () => {
    expect(chooseChunkLength(undefined, 500, false, 'm.json')).toEqual({ chunkLength: 500, forced: false });
    expect(chooseChunkLength(300, 300, false, 'm.json')).toEqual({ chunkLength: 300, forced: false });
    expect(chooseChunkLength(undefined, 300, true, 'm.json')).toEqual({ chunkLength: 300, forced: false });
  });

  it("refuses another length than the classifier's with BUNDLE_MISMATCH (exit 4), naming the manifest and the ways out", () => {
    let error: unknown;
    try {
      chooseChunkLength(300, 500, false, '/b/manifest.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VirnucproError);
    expect(error).toMatchObject({ code: 'BUNDLE_MISMATCH', exitCode: 4, position: { file: '/b/manifest.json' } });
    expect((error as VirnucproError).message).toBe(
      "/b/manifest.json: chunkLength: this bundle's classifier was trained on 500-bp chunks, but the run uses 300",
    );
    expect((error as VirnucproError).hint).toMatch(/-l\/--chunk-length 500, use the 300 bundle, or pass --force/);
  });

  it('accepts it when forced, and says it was', () => {
    expect(chooseChunkLength(300, 500, true, 'm.json')).toEqual({ chunkLength: 300, forced: true });
    expect(chooseChunkLength(500, 300, true, 'm.json')).toEqual({ chunkLength: 500, forced: true });
  });
});

describe('chunkLengthOption', () => {
  it('passes 300, 500 and undefined, and refuses anything else with a TypeError naming the option', () => {
    expect([chunkLengthOption(300), chunkLengthOption(500), chunkLengthOption(undefined)]).toEqual([300, 500, undefined]);
    for (const bad of [400, '500', 0, null, 500.5]) {
      expect(() => chunkLengthOption(bad)).toThrow(new TypeError(`options.chunkLength must be 300 or 500 (got ${String(bad)})`));
    }
  });
});
