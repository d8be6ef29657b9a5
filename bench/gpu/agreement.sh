#!/usr/bin/env bash
# ADR 0007 (c) on the GPU machine, from the project root, after the kit's device_env.sh: random checkpoints
# exported twice by our tool (fp32, and fp16 with its verify step), the same generated reads predicted by the
# fp32 bundle on the CPU and the fp16 bundle on CUDA, and the two directories compared.
#   bash bench/gpu/agreement.sh [READS]     (TOKENIZER=path/to/dnabert-s/tokenizer.json; default 30000 reads)
set -euo pipefail
READS=${1:-30000}; OUT=${OUT:-/tmp/gpu-round}; W=/tmp/gpu-agreement; mkdir -p "$OUT" "$W"
TOKENIZER=${TOKENIZER:-${VIRNUCPRO_SHARED:-../shared}/models/dnabert-s/tokenizer.json}
python3 tools/make_fixtures.py checkpoints --out "$W/ck" --dnabert-tokenizer "$TOKENIZER" > "$OUT/checkpoints.log" 2>&1
E=(python3 tools/export_bundle.py --dna "$W/ck/dnabert-s" --protein "$W/ck/esm2" --classifier "$W/ck/500_model.pth" --chunk-length 500)
"${E[@]}" --out "$W/fp32" > "$OUT/export-fp32.log" 2>&1
"${E[@]}" --fp16 --out "$W/fp16" > "$OUT/export-fp16.log" 2>&1; grep 'verify' "$OUT/export-fp16.log"
# Half the reads are sense codons only (frame 1 stop-free), half uniform bases; one in ten is 300-600 bp.
python3 - "$READS" "$W/reads.fa" <<'PY'
import random, sys
random.seed(11)
codons = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT" if a + b + c not in ("TAA", "TAG", "TGA")]
with open(sys.argv[2], "w") as f:
    for i in range(int(sys.argv[1])):
        n = 150 if i % 10 else random.randint(300, 600)
        seq = "".join(random.choice(codons) for _ in range(n // 3 + 1))[:n] if i % 2 else "".join(random.choice("ACGT") for _ in range(n))
        f.write(f">c{i}\n{seq}\n")
PY
node dist/src/cli/main.js predict "$W/reads.fa" --models "$W/fp32" -j 16 -o "$W/cpu" -q --overwrite
node dist/src/cli/main.js predict "$W/reads.fa" --models "$W/fp16" --device cuda -o "$W/gpu" -q --overwrite
python3 tools/compare_predictions.py "$W/gpu" "$W/cpu" --tolerance 5e-2 --min-agreement 0.999 --min-consensus-agreement 0.999
