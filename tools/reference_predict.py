#!/usr/bin/env python3
"""PyTorch reference predictions from the CHECKPOINTS, the original VirNucPro's way: every kept frame embedded
one sequence at a time (no padding), merged, classified, written in the original's formats. Use it to check a
bundle: run `virnucpro predict reads.fa --models BUNDLE -o ours/`, this script with `--out ref/`, then
`tools/compare_predictions.py ours ref`.

usage: reference_predict.py --dna DIR --protein DIR_OR_HUB_ID --classifier PTH --chunk-length 300|500
                            --fasta READS --out DIR

Writes DIR/prediction_results.txt, DIR/prediction_results_highestscore.csv and DIR/frames.tsv (frame id,
score1, score2 at float32 precision). Needs the tools/requirements.txt stack (torch, transformers, tokenizers).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))

from virnucpro_export.classifier import load_classifier  # noqa: E402
from virnucpro_export.dnabert_s import load_dnabert_s  # noqa: E402
from virnucpro_export.esm2 import load_esm2  # noqa: E402
from virnucpro_fixtures.pipeline import classify, frame_features, highest_scores, prediction_results  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dna", type=Path, required=True, help="DNABERT-S checkpoint folder (config, weights, tokenizer.json)")
    parser.add_argument("--protein", required=True, help="ESM-2 checkpoint folder or hub id")
    parser.add_argument("--classifier", type=Path, required=True, help="300_model.pth or 500_model.pth")
    parser.add_argument("--chunk-length", type=int, choices=[300, 500], required=True)
    parser.add_argument("--fasta", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(args.dna / "tokenizer.json"))
    rows = frame_features(args.fasta, args.chunk_length, lambda s: tokenizer.encode(s).ids,
                          load_dnabert_s(args.dna), load_esm2(args.protein))
    predictions = classify(rows, load_classifier(args.classifier))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "prediction_results.txt").write_text(prediction_results(predictions))
    (args.out / "prediction_results_highestscore.csv").write_text(highest_scores(predictions))
    (args.out / "frames.tsv").write_text("".join(f"{p.frame.id}\t{p.scores[0]!s}\t{p.scores[1]!s}\n" for p in predictions))
    print(f"[INFO] {len(predictions)} frames, reference written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
