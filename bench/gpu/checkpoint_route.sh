#!/usr/bin/env bash
# The route issue 10 is checked by, at the real sizes, on the GPU machine from the project root after the kit's
# device_env.sh: random checkpoints of full-size DNABERT-S and an ESM-2 shape in the published layouts, the fp16
# bundle exported from them by export_bundle.py as a user runs it (on the CPU; timed), then ortVsTorch with
# PyTorch loading the same checkpoints (parity and the throughput ratio of both encoders, same batches).
#   bash bench/gpu/checkpoint_route.sh [esm-3B|esm-650M|esm-8M]     (TOKENIZER=path/to/dnabert-s/tokenizer.json)
set -euo pipefail
SHAPE=${1:-esm-3B}; OUT=${OUT:-/tmp/gpu-round}; W=/tmp/gpu-checkpoints-$SHAPE; mkdir -p "$OUT" "$W"
TOKENIZER=${TOKENIZER:-${VIRNUCPRO_SHARED:-../shared}/models/dnabert-s/tokenizer.json}
T0=$(date +%s); stamp() { echo "[t=$(( $(date +%s) - T0 )) s] $*"; }
python3 tools/make_fixtures.py checkpoints --out "$W/ck" --esm-shape "$SHAPE" --device cuda \
  --dnabert-tokenizer "$TOKENIZER" > "$OUT/checkpoints-$SHAPE.log" 2>&1
stamp "checkpoints $SHAPE"
python3 tools/export_bundle.py --dna "$W/ck/dnabert-s" --protein "$W/ck/esm2" --classifier "$W/ck/500_model.pth" \
  --chunk-length 500 --fp16 --out "$W/fp16" > "$OUT/export-checkpoints-$SHAPE.log" 2>&1
grep -i 'verify' "$OUT/export-checkpoints-$SHAPE.log"; stamp "export_bundle.py --fp16 from the checkpoints"
node dist/bench/e2e/ortVsTorch.js --device cuda --fp16 --models "$W/fp16" \
  --dna-checkpoint "$W/ck/dnabert-s" --esm-checkpoint "$W/ck/esm2" \
  --dna-rows 8192 --protein-rows 8192 --token-budget 16384 --rounds 3 --threads 4 --out "$W/ovt" 2>&1 | grep -v '^\[INFO'
stamp "ortVsTorch, PyTorch loading the checkpoints"
