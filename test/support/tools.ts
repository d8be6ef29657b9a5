import { spawn, spawnSync } from 'node:child_process';
import { describe } from 'vitest';

/**
 * `describe` for suites that run a command-line tool: named with the tool's `--version` line, or skipped,
 * saying why, when the tool is not installed (.ci/run installs the Debian package of the same name).
 */
export function describeWithTool(tool: string, name: string, body: () => void): void {
  const version = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (version.status === 0) {
    describe(`${name} (${tool}: ${version.stdout.trim()})`, body);
    return;
  }
  console.warn(`[skip] ${name}: '${tool}' is not installed (Debian: apt-get install ${tool}; .ci/run installs it)`);
  describe.skip(name, body);
}

/** Runs `command` to its end; resolves with its exit code and its stdout and stderr together. */
export function runTool(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv | undefined },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
