#!/usr/bin/env python3
"""Compare two prediction directories in the original's format (ours vs a reference): same frames in the same
order, per-frame score differences, label agreement, consensus agreement. Standard library only.

usage: compare_predictions.py OURS_DIR REFERENCE_DIR [--tolerance 1e-4] [--min-agreement 0.999]
                              [--min-consensus-agreement 1.0]
Exit 0 when frames match, max |score difference| <= tolerance, label agreement >= min-agreement and the
consensus files list the same chunks and agree on at least min-consensus-agreement of them (default: all);
else 1. An fp16 GPU run against an fp32 reference: --tolerance 5e-2 --min-agreement 0.999
--min-consensus-agreement 0.999 (docs/gpu.md).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def frames(directory: Path) -> list[tuple[str, str, float, float]]:
    lines = (directory / "prediction_results.txt").read_text().splitlines()[1:]
    return [(f[0], f[1], float(f[2]), float(f[3])) for f in (line.split("\t") for line in lines)]


def consensus(directory: Path) -> dict[str, str]:
    lines = (directory / "prediction_results_highestscore.csv").read_text().splitlines()[1:]
    return dict(line.split("\t")[:2] for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ours", type=Path)
    parser.add_argument("reference", type=Path)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--min-agreement", type=float, default=0.999)
    parser.add_argument("--min-consensus-agreement", type=float, default=1.0)
    args = parser.parse_args()

    ours, ref = frames(args.ours), frames(args.reference)
    if [f[0] for f in ours] != [f[0] for f in ref]:
        print(f"[ERRO] frame ids differ: {len(ours)} vs {len(ref)} frames")
        return 1
    diff = max((max(abs(a[2] - b[2]), abs(a[3] - b[3])) for a, b in zip(ours, ref)), default=0.0)
    agree = sum(a[1] == b[1] for a, b in zip(ours, ref)) / max(1, len(ref))
    ours_c, ref_c = consensus(args.ours), consensus(args.reference)
    same_chunks = ours_c.keys() == ref_c.keys()
    consensus_agree = sum(ours_c.get(k) == v for k, v in ref_c.items()) / max(1, len(ref_c))
    print(f"frames {len(ref)}; max |score difference| {diff:.3g}; labels agree {100 * agree:.3f} %; "
          f"chunks {len(ref_c)}{'' if same_chunks else ' (chunk ids differ)'}; consensus agree {100 * consensus_agree:.3f} %")
    ok = diff <= args.tolerance and agree >= args.min_agreement and same_chunks and consensus_agree >= args.min_consensus_agreement
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
