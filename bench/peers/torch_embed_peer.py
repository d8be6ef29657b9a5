#!/usr/bin/env python3
"""PyTorch side of bench/e2e/ortVsTorch.ts: the same random-weight encoder, the same padded batches.

  torch_embed_peer.py prepare --model dnabert|esm --out DIR [--seed N]
      Builds the model with the repository's own code (tools/virnucpro_export, tools/virnucpro_fixtures: a
      full-size DNABERT-S shape, or ESM-2 t6_8M's shape), weights from our seeded generator, and writes
      DIR/weights.pt (state dict) and DIR/model.onnx (last_hidden_state + in-graph `pooled`, the bundle
      interface). Exits 3 with a one-line reason when a library is missing (ESM-2 needs transformers).
  torch_embed_peer.py run --model dnabert|esm --dir DIR --batches FILE --rounds N --threads T
      Loads weights.pt into the same architecture, runs every padded batch of FILE (written by the
      TypeScript side) once per round under torch.no_grad() with the same pooling as the ONNX graph, after
      one untimed warm-up round. Prints one JSON line: {"seconds": [per round], "pooled": [first batch rows],
      "torch": version, "threads": T, "blas": torch's BLAS_INFO}.

Works with Debian's python3-torch 1.13 (DNABERT-S only) and with the GPU machine's stack (both models).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import torch

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

from virnucpro_export.dnabert_s import DnaBertS  # noqa: E402
from virnucpro_export.onnx_export import WithPooled, export_encoder  # noqa: E402
from virnucpro_fixtures.models import BENCH, randomize_  # noqa: E402

SEED = 20261129
POOLING = {"dnabert": "mean", "esm": "mean-residues"}
MISSING_LIBRARY = 3


def build(model: str) -> torch.nn.Module:
    """The architecture with library-initialised weights (randomize_ or load_state_dict replaces them)."""
    if model == "dnabert":
        return DnaBertS(BENCH.dna)
    try:
        import transformers  # noqa: F401
    except ImportError:
        print("ESM-2 needs the transformers package (EsmModel), which this python lacks", file=sys.stderr)
        sys.exit(MISSING_LIBRARY)
    from virnucpro_export.esm2 import random_esm2
    return random_esm2(BENCH.esm_layers, BENCH.esm_hidden, BENCH.esm_heads, BENCH.esm_intermediate)


def as_encoder(model: str, module: torch.nn.Module) -> torch.nn.Module:
    """(input_ids, attention_mask) -> last_hidden_state."""
    if model == "dnabert":
        return module.eval()
    from virnucpro_export.esm2 import wrap_esm2
    return wrap_esm2(module)


def prepare(args: argparse.Namespace) -> int:
    module = randomize_(build(args.model), args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(module.state_dict(), out / "weights.pt")
    export_encoder(as_encoder(args.model, module), out / "model.onnx", POOLING[args.model])
    hidden = BENCH.dna.hidden_size if args.model == "dnabert" else BENCH.esm_hidden
    (out / "model.json").write_text(json.dumps({"model": args.model, "hiddenSize": hidden, "pooling": POOLING[args.model],
                                                "seed": args.seed, "torch": torch.__version__}) + "\n")
    return 0


def read_batches(path: Path) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """FILE.json lists {rows, length}; FILE holds, per batch, int64 ids then int64 mask, little-endian."""
    import numpy as np

    index = json.loads(Path(str(path) + ".json").read_text())
    raw = np.fromfile(path, dtype="<i8")
    batches, at = [], 0
    for entry in index:
        cells = entry["rows"] * entry["length"]
        ids = torch.from_numpy(raw[at:at + cells].reshape(entry["rows"], entry["length"]).copy())
        mask = torch.from_numpy(raw[at + cells:at + 2 * cells].reshape(entry["rows"], entry["length"]).copy())
        batches.append((ids, mask))
        at += 2 * cells
    return batches


def run(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    module = build(args.model)
    module.load_state_dict(torch.load(Path(args.dir) / "weights.pt"))
    pooled_model = WithPooled(as_encoder(args.model, module), POOLING[args.model]).eval()
    batches = read_batches(Path(args.batches))
    seconds = []
    first = None
    with torch.no_grad():
        for round_ in range(args.rounds + 1):  # round 0 warms up and is not timed
            started = time.perf_counter()
            for k, (ids, mask) in enumerate(batches):
                _, pooled = pooled_model(ids, mask)
                if k == 0 and first is None:
                    first = pooled
            if round_ > 0:
                seconds.append(time.perf_counter() - started)
    # Debian's python3-torch links the generic reference BLAS (~1.4 GFLOP/s on a 1024³ matmul on the 2-core
    # machine): its CPU timings say nothing about PyTorch with MKL or OpenBLAS, so the table shows which one ran.
    blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    print(json.dumps({"seconds": seconds, "pooled": first.flatten().tolist(), "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "blas": blas.group(1) if blas else "unknown"}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--model", choices=sorted(POOLING), required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=SEED)
    r = sub.add_parser("run")
    r.add_argument("--model", choices=sorted(POOLING), required=True)
    r.add_argument("--dir", required=True)
    r.add_argument("--batches", required=True)
    r.add_argument("--rounds", type=int, default=5)
    r.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    return prepare(args) if args.command == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main())
