import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where onnxruntime-node looks for its CUDA execution provider, and what is missing there. The provider is
 * not in the npm package: onnxruntime-node loads `libonnxruntime_providers_shared.so` and
 * `libonnxruntime_providers_cuda.so` from the folder of its own `libonnxruntime.so.1`, and onnxruntime's
 * error then only says "Failed to load shared library". This names the files and the two ways to get them
 * (docs/gpu.md).
 */

/** The version whose CUDA 13 provider build exists (package.json pins onnxruntime-node to it). */
export const CUDA13_PROVIDER_ORT_VERSION = '1.29.0';

export const CUDA_PROVIDER_FILES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'] as const;

export interface CudaProviderCheck {
  /** onnxruntime-node's package folder (its install script is script/install.js there). */
  readonly packageDir: string;
  /** onnxruntime-node's native folder (bin/napi-v6/<platform>/<arch>). */
  readonly folder: string;
  readonly ortVersion: string;
  /** Provider files absent from `folder`, as full paths. */
  readonly missing: readonly string[];
}

export function checkCudaProvider(): CudaProviderCheck {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('onnxruntime-node/package.json');
  const ortVersion = (require(packageJson) as { version: string }).version;
  const packageDir = path.dirname(packageJson);
  const folder = path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
  const missing = CUDA_PROVIDER_FILES.map((file) => path.join(folder, file)).filter((file) => !existsSync(file));
  return { packageDir, folder, ortVersion, missing };
}

/** What to tell a user whose cuda session failed: the missing files, or how to find the missing CUDA libraries. */
export function cudaProviderHint(check: CudaProviderCheck = checkCudaProvider()): string {
  const script = path.join(check.packageDir, 'script', 'install.js');
  const routes =
    `CUDA 12 machines with internet: \`ONNXRUNTIME_NODE_INSTALL=cuda12 node ${script}\`; ` +
    `CUDA 13 machines: the onnxruntime ${CUDA13_PROVIDER_ORT_VERSION} CUDA 13 provider files placed in ${check.folder} ` +
    `(onnxruntime-node must then be exactly ${CUDA13_PROVIDER_ORT_VERSION}, it is ${check.ortVersion}); see docs/gpu.md, or run with --device cpu`;
  if (check.missing.length > 0) return `the CUDA provider is not installed (missing ${check.missing.join(', ')}): ${routes}`;
  return (
    `the CUDA provider is in ${check.folder} but did not load: an NVIDIA driver, the CUDA runtime libraries (cudart, cublas, ` +
    `cublasLt, curand, cufft) and cuDNN 9 of its CUDA version must be on LD_LIBRARY_PATH ` +
    `(\`ldd ${path.join(check.folder, CUDA_PROVIDER_FILES[1])} | grep "not found"\` lists what is missing); ${routes}`
  );
}
