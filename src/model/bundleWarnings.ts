import { missingChecksumWarning, type ModelBundle } from './bundle.js';
import type { ExecutionProvider } from './sessionSettings.js';

/** What a run says about its bundle before using it: one line each, the same from `predict` and `embed`. */
export interface BundleNotice {
  readonly kind: 'meaningless-bundle' | 'unverified-files' | 'precision-device';
  /** How many things it is about (files without a checksum; 1 otherwise). */
  readonly count: number;
  readonly message: string;
}

/**
 * The bundle's warnings for a run on `device` whose results are `results` ('predictions', 'embeddings'):
 * results of a meaningless bundle must be flagged, as must unverified files, and a bundle exported for the
 * other kind of device (its manifest's provenance.precision: fp16 is the GPU export, fp32 the CPU one) runs
 * correctly but slower than the right export (docs/gpu.md).
 */
export function bundleNotices(
  bundle: Pick<ModelBundle, 'name' | 'meaningless' | 'provenance' | 'missingChecksums' | 'manifestFile'>,
  device: ExecutionProvider,
  results: string,
): BundleNotice[] {
  const notices: BundleNotice[] = [];
  if (bundle.meaningless) {
    notices.push({
      kind: 'meaningless-bundle',
      count: 1,
      message: `bundle '${bundle.name}' is marked meaningless (demo or test weights): so are these ${results}`,
    });
  }
  const unverified = missingChecksumWarning(bundle);
  if (unverified) notices.push({ kind: 'unverified-files', count: bundle.missingChecksums.length, message: unverified });
  const mismatch = precisionMismatch(bundle.provenance['precision'], device);
  if (mismatch) notices.push({ kind: 'precision-device', count: 1, message: `bundle '${bundle.name}' ${mismatch}` });
  return notices;
}

function precisionMismatch(precision: string | undefined, device: ExecutionProvider): string | undefined {
  if (precision === 'fp32' && device !== 'cpu') {
    return `is a float32 export: on ${device} it runs slower than an fp16 export of the same models (tools/export_bundle.py --fp16; docs/gpu.md)`;
  }
  if (precision === 'fp16' && device === 'cpu') {
    return 'is an fp16 export, made for GPUs: on the CPU it runs slower than a float32 export of the same models (tools/export_bundle.py without --fp16; docs/gpu.md)';
  }
  return undefined;
}
