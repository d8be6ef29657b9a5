import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

// The installs users do, with the real npm against the real registry: pack a copy of the checkout that has
// never been built (so the tarball's dist/ can only come from the `prepare` script), then install the tarball
// three ways — the README's global install, packaging/install-virnucpro.sh (what the Dockerfile and the
// Apptainer definition run) and the conda recipe's build.sh — each into its own temporary prefix, and run the
// installed command. Only the npm registry is needed; none of them may reach for NuGet (onnxruntime-node's
// CUDA provider), and npm must print no config warnings.

const run = promisify(execFile);
const NPM_CONFIG_WARNING = /npm warn (Unknown|config)/i;

/** The caller's environment without what `npm test` adds for its own scripts (prefix, package, lifecycle). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const npmOwn = /^npm_/i.test(key) && !/^npm_config_(registry|cache|userconfig|globalconfig|.*proxy)$/i.test(key);
    if (!npmOwn && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, ...extra };
}

async function registryUnreachable(): Promise<string | null> {
  try {
    await run('npm', ['ping'], { env: cleanEnv(), timeout: 20_000 });
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0] ?? 'npm ping failed';
  }
}

const unreachable = await registryUnreachable();
if (unreachable) console.warn(`[skip] npm pack and installs: the npm registry is unreachable (${unreachable})`);

const DEMO_READS = path.join(REPO_ROOT, 'examples', 'data', 'demo.fa');
const installedDemo = (prefix: string) => path.join(prefix, 'lib', 'node_modules', 'virnucpro', 'models', 'demo');

describe.skipIf(unreachable !== null)('npm pack, then install the tarball as users do', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'virnucpro-pack-'));
  let tarball = '';
  let packStderr = '';
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(async () => {
    const checkout = path.join(work, 'checkout');
    const notPacked = new Set(['node_modules', 'dist', '.git', '.tmp', '.whl', '.carry', 'results']);
    cpSync(REPO_ROOT, checkout, { recursive: true, filter: (src) => !notPacked.has(path.basename(src)) });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
    const pack = await run('npm', ['pack', '--pack-destination', work], { cwd: checkout, env: cleanEnv() });
    packStderr = pack.stderr;
    const names = readdirSync(work).filter((name) => /^virnucpro-.*\.tgz$/.test(name));
    expect(names).toHaveLength(1);
    tarball = path.join(work, names[0]!);
  }, 180_000);

  it('npm pack builds dist/ (prepare) into the tarball, with the LICENSE and the demo bundle', async () => {
    expect(packStderr).not.toMatch(NPM_CONFIG_WARNING);
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.split('\n');
    for (const file of ['package/dist/src/cli/main.js', 'package/LICENSE', 'package/models/demo/manifest.json']) {
      expect(files).toContain(file);
    }
  });

  it('ONNXRUNTIME_NODE_INSTALL=skip npm install -g: the installed virnucpro predicts the demo like the checkout', async () => {
    const prefix = path.join(work, 'global');
    const install = await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
      cwd: work,
      env: cleanEnv({ ONNXRUNTIME_NODE_INSTALL: 'skip' }),
    });
    expect(install.stderr).not.toMatch(NPM_CONFIG_WARNING);

    const installed = await run(path.join(prefix, 'bin', 'virnucpro'), ['predict', DEMO_READS, '--models', installedDemo(prefix)], {
      cwd: work,
      env: cleanEnv(),
    });
    const checkout = await runCli(['predict', DEMO_READS, '--models', path.join(REPO_ROOT, 'models', 'demo')]);
    expect(checkout.code).toBe(0);
    expect(installed.stdout).toContain('chunk_id\tis_virus\tmax_score1\tmax_score2\n');
    expect(installed.stdout).toBe(checkout.stdout.toString());
  }, 180_000);

  it("packaging/install-virnucpro.sh (the containers' install step) installs and passes its own smoke test", async () => {
    const prefix = path.join(work, 'container');
    const script = path.join(REPO_ROOT, 'packaging', 'install-virnucpro.sh');
    const { stdout } = await run(script, [tarball, 'none'], { cwd: work, env: cleanEnv({ npm_config_prefix: prefix }) });
    expect(stdout).toContain(`installed as ${path.join(prefix, 'bin', 'virnucpro')} (CUDA provider: none)`);
  }, 180_000);

  it("the conda recipe's build.sh installs into $PREFIX from the unpacked tarball", async () => {
    const src = path.join(work, 'conda-src');
    const prefix = path.join(work, 'conda-prefix');
    mkdirSync(src);
    await run('tar', ['xzf', tarball, '-C', src, '--strip-components=1']);
    await run(path.join(REPO_ROOT, 'packaging', 'conda', 'build.sh'), [], {
      cwd: src,
      env: cleanEnv({ SRC_DIR: src, PREFIX: prefix }),
    });
    const bin = path.join(prefix, 'bin', 'virnucpro');
    expect(existsSync(bin)).toBe(true);
    const installed = await run(bin, ['predict', DEMO_READS, '--models', installedDemo(prefix), '-q'], { env: cleanEnv() });
    expect(installed.stdout).toMatch(/^demo_read_1_chunk_1\t(True|False)\t/m);
  }, 180_000);
});
