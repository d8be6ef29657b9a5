#!/usr/bin/env bash
# One measurement round of ADR 0007 on the GPU machine, from the project root, after the kit's device_env.sh
# (../shared/gpu/README.md): the fused export forms against Hugging Face / DnaBertS, the encoder benchmark
# (ORT-node CUDA vs PyTorch fp16, same batches) on an ESM-2 shape, and the end-to-end predict run.
#   bash bench/gpu/round.sh [esm-650M|esm-3B] [READS]     (TOKENIZER=path/to/dnabert-s/tokenizer.json)
# Writes logs to $OUT (the device tool's output folder) or /tmp/gpu-round.
set -uo pipefail
SHAPE=${1:-esm-650M}; READS=${2:-0}; OUT=${OUT:-/tmp/gpu-round}; mkdir -p "$OUT"
TOKENIZER=${TOKENIZER:-${VIRNUCPRO_SHARED:-../shared}/models/dnabert-s/tokenizer.json}
T0=$(date +%s); stamp() { echo "[t=$(( $(date +%s) - T0 )) s] $*"; }
python3 -m unittest tools/tests/test_fused_forms.py 2>&1 | tail -3; stamp "fused forms vs reference modules"
BUNDLE=/tmp/bench-$SHAPE-fp16
python3 tools/make_fixtures.py bench-models --out "$BUNDLE" --esm-shape "$SHAPE" --fp16 --device cuda \
  --dnabert-tokenizer "$TOKENIZER" > "$OUT/export-$SHAPE.log" 2>&1 || { tail -30 "$OUT/export-$SHAPE.log"; exit 1; }
stamp "export $SHAPE"
ORT_ENABLE_ATTENTION_KERNEL_DEBUG_INFO=1 node dist/bench/e2e/ortVsTorch.js --device cuda --fp16 --threads 4 \
  --dna-rows 8192 --protein-rows 8192 --token-budget 16384 --esm-shape "$SHAPE" --models "$BUNDLE" --rounds 3 \
  --out /tmp/ort-vs-torch > "$OUT/bench-$SHAPE.log" 2>&1
grep -v '^\[INFO\|Kernel\|kernel' "$OUT/bench-$SHAPE.log"
grep -i 'sdpakernel' "$OUT/bench-$SHAPE.log" | sed 's/[0-9]\+//g' | sort | uniq -c
stamp "encoders $SHAPE"
if [ "$READS" -gt 0 ]; then
  node dist/bench/e2e/predictGpu.js --models "$BUNDLE" --reads "$READS" > "$OUT/predict-$SHAPE.log" 2>&1
  tail -30 "$OUT/predict-$SHAPE.log"; stamp "predict $READS reads"
fi
