import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

// The scripts of bench/gpu/ run only on the GPU machine, where device time is scarce: a syntax error or a
// renamed file found there costs a machine start. Here they are parsed, and every project file they run
// must exist (the built dist/ files included).
const GPU_DIR = path.join(REPO_ROOT, 'bench/gpu');
const scripts = readdirSync(GPU_DIR).filter((name) => name.endsWith('.sh'));

describe('bench/gpu scripts', () => {
  it('are there to check', () => {
    expect(scripts).toEqual(expect.arrayContaining(['agreement.sh', 'round.sh']));
  });

  it.each(scripts)('%s parses (bash -n) and runs only project files that exist', (name) => {
    const file = path.join(GPU_DIR, name);
    const parsed = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
    const text = readFileSync(file, 'utf8');
    const used = [...text.matchAll(/(?:^|[\s(])((?:dist|tools)\/[\w./-]+\.(?:js|py))/gm)].map((match) => match[1]!);
    expect(used.length, 'the scripts run the project through dist/ and tools/').toBeGreaterThan(0);
    expect(used.filter((relative) => !existsSync(path.join(REPO_ROOT, relative)))).toEqual([]);
  });
});
