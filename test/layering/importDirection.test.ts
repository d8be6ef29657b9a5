import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';
import { importArrows, importsOf, layeringViolations, sourceFiles } from './importGraph.js';

// The layering of docs/developer guide: cli → pipeline → operators → {embed, classify, output, model,
// sequence, fasta, packing, tokenize} → {flow, errors}. An arrow back up is how src/predict/ once tangled
// the composition with the rules the operators need.

describe('import direction of src/ and operators/', () => {
  it('has no arrow running back up the layers', () => {
    const arrows = importArrows(REPO_ROOT);
    // The graph is really read: the known downward arrows are in it.
    expect(arrows).toContainEqual({ from: 'operators/classifyFrames.ts', to: 'src/classify/classification.ts' });
    expect(arrows).toContainEqual({ from: 'src/cli/predictCommand.ts', to: 'src/errors.ts' });
    expect(arrows.length).toBeGreaterThan(200);
    expect(layeringViolations(arrows)).toEqual([]);
  });

  it('keeps bench/ independent of test/ (tests may pin benchmark workloads, not the other way round)', () => {
    const files = sourceFiles(REPO_ROOT, ['bench']);
    expect(files).toContain('bench/support/tinyBundle.ts');
    const intoTests = files.flatMap((from) =>
      importsOf(from, readFileSync(path.join(REPO_ROOT, from), 'utf8'))
        .filter((to) => to.startsWith('test/'))
        .map((to) => `${from} -> ${to}`),
    );
    expect(intoTests).toEqual([]);
  });

  it('reads multi-line imports, re-exports, dynamic imports and worker URLs, not comments', () => {
    const text = [
      "import {\n  a,\n  b,\n} from '../flow/credit.js';",
      "export { c } from './c.js';",
      "const m = await import('../model/bundle.js');",
      "const worker = new URL('./inferenceWorker.js', import.meta.url);",
      "// import { x } from '../cli/main.js';",
      "/* export { y } from '../pipeline/predict.js'; */",
      "import { z } from 'rxjs';",
    ].join('\n');
    expect(importsOf('src/model/inferencePool.ts', text).sort()).toEqual([
      'src/flow/credit.ts',
      'src/model/bundle.ts',
      'src/model/c.ts',
      'src/model/inferenceWorker.ts',
    ]);
  });

  describe('on a planted tree', () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'virnucpro-layers-'));
    afterAll(() => rmSync(repo, { recursive: true, force: true }));
    const plant = (file: string, text: string): void => {
      mkdirSync(path.join(repo, path.dirname(file)), { recursive: true });
      writeFileSync(path.join(repo, file), text);
    };
    plant('src/index.ts', "export { run } from './pipeline/run.js';\n");
    plant('src/errors.ts', 'export class E {}\n');
    plant('src/cli/main.ts', "import { run } from '../pipeline/run.js';\nimport { E } from '../errors.js';\n");
    plant('src/pipeline/run.ts', "import { op } from '../../operators/op.js';\n");
    plant('operators/op.ts', "import { rule } from '../src/classify/rule.js';\nimport { credit } from '../src/flow/credit.js';\n");
    plant('src/classify/rule.ts', "import { bundle } from '../model/bundle.js';\n");
    plant('src/model/bundle.ts', "import { E } from '../errors.js';\n");
    plant('src/flow/credit.ts', "import { E } from '../errors.js';\n");

    it('accepts arrows that run down or between peers', () => {
      expect(sourceFiles(repo)).toHaveLength(8);
      expect(layeringViolations(importArrows(repo))).toEqual([]);
    });

    it.each([
      [
        'an operator importing the pipeline',
        'operators/bad.ts',
        "import { run } from '../src/pipeline/run.js';",
        /operators imports pipeline, a layer above it/,
      ],
      [
        'a domain module importing an operator',
        'src/classify/bad.ts',
        "import { op } from '../../operators/op.js';",
        /classify imports operators, a layer above it/,
      ],
      [
        'flow importing a domain module',
        'src/flow/bad.ts',
        "export { rule } from '../classify/rule.js';",
        /flow imports classify, a layer above it/,
      ],
      [
        'the pipeline importing the CLI',
        'src/pipeline/bad.ts',
        "const cli = await import('../cli/main.js');",
        /pipeline imports cli, a layer above it/,
      ],
      ['a module importing the barrel', 'src/output/bad.ts', "import { run } from '../index.js';", /imports the package barrel/],
      ['a folder in no layer', 'src/misc/bad.ts', "import { E } from '../errors.js';", /folder 'misc' is in no layer/],
    ])('refuses %s', (_name, file, text, message) => {
      plant(file, `${text}\n`);
      try {
        const violations = layeringViolations(importArrows(repo));
        expect(violations).toHaveLength(1);
        expect(violations[0]).toMatch(message);
        expect(violations[0]).toContain(file);
      } finally {
        rmSync(path.join(repo, file));
      }
    });
  });
});
