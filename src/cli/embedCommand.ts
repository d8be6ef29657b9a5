import { availableParallelism } from 'node:os';
import { embedSequences } from '../../operators/embedSequences.js';
import { readFasta } from '../../operators/readFasta.js';
import { EMBED_BATCHES_IN_FLIGHT } from '../embed/embedOptions.js';
import { formatEmbeddingLines } from '../embed/embeddingText.js';
import { EXIT } from '../errors.js';
import { FastaStats } from '../fasta/fastaStats.js';
import { eachBatchAlone } from '../flow/eachBatchAlone.js';
import { consumeBatches } from '../flow/sink.js';
import { loadBundle } from '../model/bundle.js';
import { bundleNotices } from '../model/bundleWarnings.js';
import { ENCODER_NAMES, type EncoderName } from '../model/manifest.js';
import { parseDeviceIds } from '../model/deviceIds.js';
import { startInferencePool, type InferencePoolOptions } from '../model/inferencePool.js';
import { startOnDevices } from '../model/spreadBackend.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../model/sessionSettings.js';
import { PackingStats } from '../packing/packingStats.js';
import { DEFAULT_PACKING_WINDOW, DEFAULT_TOKEN_BUDGET, MAX_PACKING_WINDOW } from '../packing/tokenPacker.js';
import { inputArgument, intOption, stringOption, usageError, type CommandSpec, type OptionSpec, type ParsedValues } from './args.js';
import { EXIT_CODES_HELP, type Command } from './command.js';
import { openStdout, withHeader } from '../output/outputStream.js';
import { INPUT_HELP, MODELS_OPTION, THREADS_OPTION } from './sharedOptions.js';

/**
 * The flags every command that runs an encoder takes (`embed`, and `predict` with the same meaning): the
 * packing of rows into model batches and where and how the model runs. Exported for those commands.
 */
export const MODEL_RUN_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'token-budget': {
    type: 'string',
    value: '<n>',
    description: 'most padded tokens (rows × longest row) per model batch; lower it if a GPU runs out of memory',
    integer: { min: 1 },
    default: String(DEFAULT_TOKEN_BUDGET),
  },
  window: {
    type: 'string',
    value: '<n>',
    description: 'rows sorted by length before they are cut into batches (more: less padding, more memory); scale it with the budget',
    integer: { min: 1, max: MAX_PACKING_WINDOW },
    default: String(DEFAULT_PACKING_WINDOW),
  },
  workers: {
    type: 'string',
    value: '<n>',
    description: 'model worker threads, each holding a full copy of the model',
    integer: { min: 1, max: 64 },
    default: '1',
  },
  'intra-op-threads': {
    type: 'string',
    value: '<n>',
    description: 'onnxruntime threads per worker (default: --threads divided among the workers)',
    integer: { min: 1, max: 1024 },
  },
  device: {
    type: 'string',
    value: '<cpu|cuda|webgpu>',
    description: "where the model runs (cuda: install onnxruntime's CUDA provider, export with --fp16; docs/gpu.md)",
    choices: EXECUTION_PROVIDERS,
    default: 'cpu',
  },
  'device-id': {
    type: 'string',
    value: '<n|n,m…|all>',
    description: 'GPU index for --device cuda; several (0,1) or all: one worker set per device, batches spread over them',
    default: '0',
  },
  threads: { ...THREADS_OPTION, description: 'CPU threads for the models (onnxruntime), shared by the workers' },
  'skip-checksums': { type: 'boolean', description: "don't verify the bundle's sha256 checksums (~2 s per GiB)" },
};

/** Packing and pool options from {@link MODEL_RUN_OPTIONS} values (already range-checked by the parser). */
export function modelRunSettings(values: ParsedValues): {
  tokenBudget: number;
  window: number;
  pool: InferencePoolOptions;
  deviceIds: number[];
} {
  const workers = intOption(values, 'workers')!;
  const threads = intOption(values, 'threads') ?? Math.min(availableParallelism(), 4);
  return {
    tokenBudget: intOption(values, 'token-budget')!,
    window: intOption(values, 'window')!,
    pool: {
      workers,
      intraOpNumThreads: intOption(values, 'intra-op-threads') ?? Math.max(1, Math.floor(threads / workers)),
      executionProvider: stringOption(values, 'device') as ExecutionProvider,
    },
    deviceIds: parseDeviceIds(stringOption(values, 'device-id')!),
  };
}

/** The encoders a bundle may name (src/model/manifest.ts ENCODERS): what --kind chooses from. */
const KINDS = ENCODER_NAMES;

/** Two columns: the id, and the embedding's H floats separated by spaces (one column for a csv reader). */
const EMBEDDING_TSV_HEADER = 'id\tembedding\n';
type Kind = EncoderName;

const spec: CommandSpec = {
  name: 'embed',
  summary: "one embedding per FASTA record with the bundle's DNA (DNABERT-S) or protein (ESM-2) model",
  usage: `--models <dir> --kind <${KINDS.join('|')}> [options] [<input>|-]`,
  options: {
    models: MODELS_OPTION,
    kind: {
      type: 'string',
      short: 'k',
      value: `<${KINDS.join('|')}>`,
      description: "which of the bundle's encoders to run (required)",
      choices: KINDS,
    },
    ...MODEL_RUN_OPTIONS,
  },
  details: `Output: a header line 'id <TAB> embedding', then one line per input record, in input order:
  id <TAB> v1 v2 … vH
id is the record id (header text up to the first whitespace); v1..vH, the embedding column, are the H
floats of its embedding (H = the model's hidden size: 768 for DNABERT-S, 2560 for ESM-2 3B),
space-separated, each the shortest decimal that reads back to the same float32 (numpy.float32(text) or
Math.fround(Number(text))). Empty
records are skipped with a warning, so they have no line. Records are packed into model batches within
their input batch (1 MiB of sequence), so the same input, options and bundle give the same bytes every run.

What is embedded: the record's whole sequence, upper-cased (lower case would otherwise become unknown
tokens). --kind dna: DNABERT-S tokens ([CLS] + BPE + [SEP]); embedding = mean of the last hidden state
over all tokens, [CLS] and [SEP] included (VirNucPro semantics §5). --kind protein: ESM-2 tokens
(<cls> + residues + <eos>, letters outside its alphabet as <unk>); embedding = mean of the last layer
over residues 1..min(1024, P), <cls>, <eos> and padding excluded (§6). The input is then read as protein
FASTA. Records are batched by token length under --token-budget; batching changes results only by float
noise (≤ 1e-5 against PyTorch run one sequence at a time). A record longer than the bundle's maxTokens
stops the run (exit 3) naming it.

Bundle: the bundle needs only the model of --kind. To assemble one by hand around a single ONNX file
(inputs input_ids and attention_mask, int64 [batch, tokens]; output last_hidden_state float32
[batch, tokens, hidden]; dynamic batch and token axes), put it in a folder with this manifest.json:
  {"format": "virnucpro-bundle", "formatVersion": 1,
   "dna": {"onnx": "dnabert_s.onnx", "tokenizer": "tokenizer.json", "maxTokens": 4096}}
(for proteins: "protein": {"onnx": "esm2.onnx"}; the tokenizer is the built-in ESM-2 alphabet).
For DNA copy DNABERT-S's tokenizer.json beside it. docs/model-bundle.md has every field (pooled outputs,
input names, checksums); tools/export_bundle.py exports the published models.

Run summary (stderr): records, rows, packing efficiency (real tokens / padded tokens computed), time, rows/s.

${INPUT_HELP}

Examples:
  virnucpro embed --models models/demo --kind dna reads.fa > reads.dna.tsv
  zcat proteins.faa.gz | virnucpro embed -m bundle -k protein --workers 2 -j 16 - > proteins.tsv

${EXIT_CODES_HELP}`,
};

function requiredOption(values: ParsedValues, name: string, label: string): string {
  const value = stringOption(values, name);
  if (value === undefined) throw usageError(spec, `${label} is required`);
  return value;
}

export const embedCommand: Command = {
  spec,
  async run({ values, positionals }, { log, signal }) {
    const input = inputArgument(spec, positionals);
    const models = requiredOption(values, 'models', '-m/--models <dir>');
    const kind = requiredOption(values, 'kind', `-k/--kind (${KINDS.join(' or ')})`) as Kind;
    const settings = modelRunSettings(values);
    const started = performance.now();

    const bundle = await loadBundle(models, { parts: [kind], verifyChecksums: values['skip-checksums'] !== true, signal });
    const encoder = bundle[kind];
    for (const notice of bundleNotices(bundle, settings.pool.executionProvider ?? 'cpu', 'embeddings')) log.warn(notice.message);
    const tokenizer = bundle.tokenizers[kind];
    const pool = await startOnDevices(settings.deviceIds, (deviceId) =>
      startInferencePool(encoder, { ...settings.pool, deviceId, signal }),
    );
    const stats = new FastaStats();
    const packing = new PackingStats();
    try {
      const embedded = readFasta(input, {
        stats,
        signal,
        // What the encoder reads decides which letters a record may hold.
        alphabet: encoder.reads === 'protein' ? 'protein' : 'nucleotide',
        onWarning: (w) => log.warn(w.message),
      })
        // Packed per input batch, like predict: the same input gives the same bytes on every run.
        .pipe(
          eachBatchAlone(
            (stop) =>
              embedSequences({ tokenizer, pool, tokenBudget: settings.tokenBudget, window: settings.window, stats: packing, signal: stop }),
            { inFlight: EMBED_BATCHES_IN_FLIGHT, signal },
          ),
        );
      const out = withHeader(openStdout(), EMBEDDING_TSV_HEADER);
      // Latin-1: ids go out as the bytes of the input header (the floats are ASCII).
      await consumeBatches(
        embedded,
        (batch) => out.write(Buffer.from(formatEmbeddingLines(batch.ids, batch.embeddings, batch.hidden), 'latin1')),
        { signal },
      );
      await out.finish();
    } finally {
      await pool.close();
    }
    summarize(log, kind, encoder.hiddenSize, stats, packing, (performance.now() - started) / 1000);
    return EXIT.ok;
  },
};

function summarize(
  log: { info(message: string): void },
  kind: Kind,
  hidden: number,
  stats: FastaStats,
  packing: PackingStats,
  seconds: number,
): void {
  const n = (value: number): string => Math.round(value).toLocaleString('en-US');
  const efficiency = packing.batches === 0 ? 'none' : `${(packing.efficiency * 100).toFixed(1)} % real`;
  log.info(
    `embed (${kind}): ${n(stats.records)} records (${n(stats.bases)} letters) → ${n(packing.rows)} rows of ${hidden} floats ` +
      `in ${seconds.toFixed(2)} s (${n(packing.rows / Math.max(seconds, 1e-9))} rows/s); peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  );
  log.info(
    `packing: ${n(packing.batches)} model batches, ${efficiency} (${n(packing.realTokens)} of ${n(packing.paddedTokens)} padded tokens)`,
  );
}
