import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './shared.js';

export const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');

export interface CliResult {
  readonly code: number | null;
  /** The signal that ended the process, when one did (`code` is then null): says which crash it was. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs the built CLI (what users run), feeding `stdin` if given. */
export function runCli(args: readonly string[], options: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env }, stdio: 'pipe' });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // A crash shows in the test only as `code` null: print what the process wrote, so CI's log says why.
      if (signal) console.error(`virnucpro ${args.join(' ')} was ended by ${signal}; its stderr:\n${stderr}`);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
