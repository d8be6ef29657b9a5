#!/usr/bin/env python3
"""PyTorch side of bench/e2e/ortVsTorch.ts: the same random-weight encoder, the same padded batches.

  torch_embed_peer.py run --model dnabert|esm --esm-shape SHAPE --batches FILE --rounds N --threads T
      [--device cpu|cuda] [--fp16] [--ort-pooled FILE] [--checkpoint SOURCE]
      Rebuilds the encoder with the weights of the bench bundle (tools/virnucpro_fixtures/models.py
      bench_encoder: fixed seeds, drawn on the device; `make_fixtures.py bench-models` exported the same
      weights), or with --checkpoint loads it from SOURCE as export_bundle.py does (its --dna or --protein:
      a folder or a Hugging Face id), for a bundle exported from real checkpoints; then runs every padded
      batch of FILE (written by the TypeScript side) once per round under torch.no_grad() with the bundle's
      pooling, after one untimed warm-up round. --fp16: the model in fp16 with scaled_dot_product_attention
      (PyTorch's fast inference path), timed with CUDA synchronisation.
      It also computes the float32 reference of the first batches (TF32 off) and reports how far the timed
      precision's pooled rows and ORT's (--ort-pooled: float32 rows of those batches, in order) are from it.
      Prints one JSON line: {"seconds", "pooled" (first batch), "torch", "threads", "blas", "device",
      "agreement": {"torch": {...}, "ort": {...}} with max |diff|, min cosine and rows compared}.
      Exits 3 with a one-line reason when a library is missing (ESM-2 needs transformers).

Works with Debian's python3-torch 1.13 (DNABERT-S on the CPU) and with the GPU machine's stack (everything).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

from virnucpro_export.onnx_export import EncoderOutputs, fp16_copy, use_fused_attention  # noqa: E402
from virnucpro_export.sources import dna_model, protein_model  # noqa: E402
from virnucpro_fixtures.models import BENCH_ESM_SHAPES, bench_encoder  # noqa: E402

POOLING = {"dnabert": "mean", "esm": "mean-residues"}
MISSING_LIBRARY = 3
# Rows compared with the float32 reference: enough for a distribution, cheap next to the timed rounds.
CHECK_BATCHES = 4


def read_batches(path: Path, device: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """FILE.json lists {rows, length}; FILE holds, per batch, int64 ids then int64 mask, little-endian."""
    index = json.loads(Path(str(path) + ".json").read_text())
    raw = np.fromfile(path, dtype="<i8")
    batches, at = [], 0
    for entry in index:
        cells = entry["rows"] * entry["length"]
        ids = torch.from_numpy(raw[at:at + cells].reshape(entry["rows"], entry["length"]).copy())
        mask = torch.from_numpy(raw[at + cells:at + 2 * cells].reshape(entry["rows"], entry["length"]).copy())
        batches.append((ids.to(device), mask.to(device)))
        at += 2 * cells
    return batches


def agreement(got: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Largest |difference| and smallest per-row cosine of two [rows, width] arrays."""
    dot = (got * reference).sum(1)
    cosine = dot / np.sqrt((got * got).sum(1) * (reference * reference).sum(1))
    return {"maxAbsDiff": float(np.abs(got - reference).max()), "minCosine": float(cosine.min()),
            "rows": int(got.shape[0])}


def checkpoint_encoder(model: str, source: str, device: str) -> torch.nn.Module:
    """(input_ids, attention_mask) -> last_hidden_state, loaded from `source` by the export tool's own loaders."""
    encoder = dna_model(source)[0] if model == "dnabert" else protein_model(source)[0]
    return encoder.to(device)


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def run(args: argparse.Namespace) -> int:
    if args.model == "esm":
        try:
            import transformers  # noqa: F401
        except ImportError:
            print("ESM-2 needs the transformers package (EsmModel), which this python lacks", file=sys.stderr)
            return MISSING_LIBRARY
    torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = False  # the reference is true float32
    encoder = checkpoint_encoder(args.model, args.checkpoint, args.device) if args.checkpoint \
        else bench_encoder(args.model, args.esm_shape, args.device)
    batches = read_batches(Path(args.batches), args.device)
    checked = batches[:CHECK_BATCHES]
    with torch.no_grad():
        fp32 = EncoderOutputs(encoder, POOLING[args.model]).eval()
        reference = np.concatenate([fp32(ids, mask)[1].cpu().numpy() for ids, mask in checked])
        if args.fp16:
            half = fp16_copy(encoder)
            use_fused_attention(half)
            del fp32, encoder
            timed = EncoderOutputs(half, POOLING[args.model]).eval()
        else:
            timed = fp32
        seconds, first = [], None
        for round_ in range(args.rounds + 1):  # round 0 warms up and is not timed
            synchronize(args.device)
            started = time.perf_counter()
            for k, (ids, mask) in enumerate(batches):
                _, pooled = timed(ids, mask)
                if k == 0 and first is None:
                    first = pooled
            synchronize(args.device)
            if round_ > 0:
                seconds.append(time.perf_counter() - started)
        mine = np.concatenate([timed(ids, mask)[1].cpu().numpy() for ids, mask in checked])
    result = {"torch": agreement(mine, reference)}
    if args.ort_pooled:
        ort = np.fromfile(args.ort_pooled, dtype="<f4").reshape(-1, reference.shape[1])
        result["ort"] = agreement(ort[: reference.shape[0]], reference)
    # Debian's python3-torch links the generic reference BLAS (~1.4 GFLOP/s on a 1024³ matmul on the 2-core
    # machine): its CPU timings say nothing about PyTorch with MKL or OpenBLAS, so the table shows which one ran.
    blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    print(json.dumps({"seconds": seconds, "pooled": first.float().flatten().cpu().tolist(), "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "blas": blas.group(1) if blas else "unknown",
                      "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
                      "precision": "fp16 SDPA" if args.fp16 else "fp32", "agreement": result}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--model", choices=sorted(POOLING), required=True)
    r.add_argument("--esm-shape", choices=sorted(BENCH_ESM_SHAPES), default="esm-8M")
    r.add_argument("--batches", required=True)
    r.add_argument("--rounds", type=int, default=5)
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    r.add_argument("--fp16", action="store_true")
    r.add_argument("--ort-pooled", help="ORT's float32 pooled rows of the first batches, to compare with float32")
    r.add_argument("--checkpoint", help="load the encoder from this export_bundle.py --dna/--protein source "
                                        "instead of the bench bundle's seeded weights")
    args = parser.parse_args()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
