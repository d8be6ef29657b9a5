import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

// The scripts of bench/gpu/ run only on the GPU machine, where device time is scarce: a syntax error, a
// renamed file or a misspelt flag found there costs a machine start. Here they are parsed, every project
// file they run must exist (the built dist/ files included), and every --flag they pass must be one the
// command lists in its --help (the bench scripts' parseBenchArgs, the CLI's commander, the tools' argparse).
const GPU_DIR = path.join(REPO_ROOT, 'bench/gpu');
const scripts = readdirSync(GPU_DIR).filter((name) => name.endsWith('.sh'));
const PYTHON = '/usr/bin/python3';
const pythonTools = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;

interface Invocation {
  /** `node dist/….js` or `python3 tools/….py`, then the subcommand, if any (a bare first word). */
  command: string[];
  flags: string[];
}

/** The project commands a script runs with their --flags: continuation lines joined, bash arrays expanded. */
function invocations(text: string): Invocation[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  const arrays = new Map([...joined.matchAll(/^(\w+)=\((.*)\)\s*$/gm)].map((m) => [m[1]!, m[2]!]));
  const expanded = joined.replace(/"\$\{(\w+)\[@\]\}"/g, (whole, name: string) => arrays.get(name) ?? whole);
  return [...expanded.matchAll(/\b(node|python3) ((?:dist|tools)\/[\w./-]+\.(?:js|py))([^|;&>\n]*)/g)].map((m) => {
    const words = m[3]!.trim().split(/\s+/).filter(Boolean);
    const subcommand = words[0] !== undefined && /^[a-z][a-z-]*$/.test(words[0]) ? [words[0]] : [];
    const flags = words.filter((word) => /^--[a-z]/.test(word)).map((word) => word.split('=')[0]!);
    return { command: [m[1]!, m[2]!, ...subcommand], flags };
  });
}

// One --help per command (a script may run the same command several times; a Python one imports torch each time).
const helpTexts = new Map<string, string>();

function helpText(command: string[]): string {
  const key = command.join(' ');
  if (!helpTexts.has(key)) helpTexts.set(key, runHelp(command));
  return helpTexts.get(key)!;
}

function runHelp([runtime, file, ...subcommand]: string[]): string {
  const program = runtime === 'python3' ? PYTHON : process.execPath;
  const run = spawnSync(program, [file!, ...subcommand, '--help'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(run.status, `${file} ${subcommand.join(' ')} --help: ${run.stderr}`).toBe(0);
  return run.stdout;
}

describe('bench/gpu scripts', () => {
  it('are there to check', () => {
    expect(scripts).toEqual(expect.arrayContaining(['agreement.sh', 'checkpoint_route.sh', 'round.sh']));
  });

  it.each(scripts)('%s parses (bash -n) and runs only project files that exist', (name) => {
    const file = path.join(GPU_DIR, name);
    const parsed = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
    const used = invocations(readFileSync(file, 'utf8')).map((call) => call.command[1]!);
    expect(used.length, 'the scripts run the project through dist/ and tools/').toBeGreaterThan(0);
    expect(used.filter((relative) => !existsSync(path.join(REPO_ROOT, relative)))).toEqual([]);
  });

  if (!pythonTools) console.warn(`[skip] bench/gpu flags of tools/*.py: ${PYTHON} cannot import torch and onnx`);

  it.each(scripts)('%s passes only flags its commands accept', (name) => {
    const calls = invocations(readFileSync(path.join(GPU_DIR, name), 'utf8')).filter(
      (call) => pythonTools || call.command[0] !== 'python3',
    );
    const unknown = calls.flatMap((call) => {
      const help = helpText(call.command);
      return call.flags
        .filter((flag) => !new RegExp(`${flag}(?![\\w-])`).test(help))
        .map((flag) => `${call.command.slice(1).join(' ')} ${flag}`);
    });
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('finds a flag the command does not list (the check can fail)', () => {
    const [call] = invocations('node dist/bench/e2e/ortVsTorch.js --device cuda --esm-shapes esm-3B > log');
    expect(call!.flags).toEqual(['--device', '--esm-shapes']);
    expect(/--esm-shapes(?![\w-])/.test(helpText(call!.command))).toBe(false);
  });
});
