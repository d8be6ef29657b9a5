/** The smallest manifest the bundle format accepts (docs/model-bundle.md): every field left to its default. */
export const MINIMAL_MANIFEST = {
  format: 'virnucpro-bundle',
  formatVersion: 1,
  chunkLength: 500,
  dna: { onnx: 'dna.onnx', tokenizer: 'tokenizer.json' },
  protein: { onnx: 'protein.onnx' },
  classifier: { onnx: 'classifier.onnx' },
} as const;
