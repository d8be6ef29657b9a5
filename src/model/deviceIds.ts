import { spawnSync } from 'node:child_process';
import { VirnucproError } from '../errors.js';

/**
 * `--device-id`: one GPU index (`0`), a list (`0,1`: one encoder worker set per device, batches spread over
 * them), or `all` (every GPU this process sees: CUDA_VISIBLE_DEVICES when set, else `nvidia-smi -L`).
 * Indices are as the CUDA runtime numbers the visible devices (0..n-1).
 */
export function parseDeviceIds(text: string, countGpus: () => number | undefined = visibleGpuCount): number[] {
  if (text.trim() === 'all') {
    const count = countGpus();
    if (count === undefined || count < 1) {
      throw new VirnucproError('USAGE', '--device-id all: cannot count the GPUs (no CUDA_VISIBLE_DEVICES, and nvidia-smi -L gave none)', {
        hint: 'name the devices: --device-id 0,1',
      });
    }
    return Array.from({ length: count }, (_, i) => i);
  }
  const ids = text.split(',').map((part) => part.trim());
  if (ids.some((id) => !/^\d{1,4}$/.test(id))) {
    throw new VirnucproError('USAGE', `invalid --device-id ${text}: a GPU index (0), a list (0,1) or all`, {
      hint: 'e.g. --device-id 0,1',
    });
  }
  return ids.map(Number);
}

/** GPUs visible to this process, or undefined when that cannot be told. */
export function visibleGpuCount(): number | undefined {
  const visible = process.env['CUDA_VISIBLE_DEVICES'];
  if (visible !== undefined && visible.trim() !== '')
    return visible.split(',').filter((id) => id.trim() !== '' && id.trim() !== '-1').length;
  const listed = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000 });
  if (listed.status !== 0 || typeof listed.stdout !== 'string') return undefined;
  return listed.stdout.split('\n').filter((line) => line.startsWith('GPU ')).length;
}
