"""Check a bundle against the PyTorch models it came from: ONNX Runtime vs PyTorch, padded batch vs one at a time."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from .bundle import read_manifest
from .esm2 import CLS, EOS, PAD
from .pooling import POOLING

FP32_TOLERANCE = 1e-4
# fp16 weights and activations carry ~3 significant digits; this catches a broken graph, not rounding.
FP16_TOLERANCE = 5e-2

# Token counts (specials included) of the sample rows: short frames, a 500-bp chunk's frames, and one row past
# the 512 positions the ALiBi table starts with (DNA) / several rotary lengths (protein).
DNA_TOKENS = (3, 17, 64, 130, 530)
PROTEIN_TOKENS = (3, 14, 99, 168, 402)
DNA_CLS, DNA_SEP, DNA_PAD, DNA_FIRST_REAL = 1, 2, 3, 5
ESM_FIRST_RESIDUE, ESM_LAST_RESIDUE = 4, 23  # the 20 standard amino acids


def sample_rows(counts, first_id: int, last_id: int, start: int, end: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.array([start, *rng.integers(first_id, last_id + 1, n - 2), end], dtype=np.int64) for n in counts]


def _torch_hidden(model: nn.Module, row: np.ndarray) -> np.ndarray:
    ids = torch.from_numpy(row)[None]
    with torch.no_grad():
        return model(ids, torch.ones_like(ids))[0].numpy()


def pad_batch(rows: list[np.ndarray], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def check_encoder(model: nn.Module, session, entry: dict, rows: list[np.ndarray], pad_id: int) -> dict[str, float]:
    """Max |diff| of ORT one at a time and ORT padded batch against PyTorch one at a time (the original's way)."""
    output = entry.get("output", "last_hidden_state")
    pooled_name = entry.get("pooledOutput")
    pool = POOLING[entry["pooling"]]
    reference = [_torch_hidden(model, row) for row in rows]
    single = 0.0
    for row, ref in zip(rows, reference):
        got = session.run([output], {"input_ids": row[None], "attention_mask": np.ones_like(row)[None]})[0][0]
        single = max(single, float(np.abs(got - ref).max()))
    ids, mask = pad_batch(rows, pad_id)
    names = [output] + ([pooled_name] if pooled_name else [])
    results = session.run(names, {"input_ids": ids, "attention_mask": mask})
    batch = max(float(np.abs(results[0][i, : len(ref)] - ref).max()) for i, ref in enumerate(reference))
    diffs = {"ort_vs_torch": single, "batch_vs_single": batch}
    if pooled_name:
        expected = [pool(torch.from_numpy(ref)[None], torch.ones(1, len(ref), dtype=torch.int64))[0].numpy()
                    for ref in reference]
        diffs["pooled"] = max(float(np.abs(results[1][i] - e).max()) for i, e in enumerate(expected))
    return diffs


def check_classifier(model: nn.Module, session, width: int) -> dict[str, float]:
    features = np.random.default_rng(7).normal(0.0, 0.5, (16, width)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(features)).numpy()
    got = session.run(None, {session.get_inputs()[0].name: features})[0]
    one = session.run(None, {session.get_inputs()[0].name: features[:1]})[0]
    return {"ort_vs_torch": float(np.abs(got - expected).max()), "batch_vs_single": float(np.abs(one[0] - got[0]).max())}


def verify_bundle(bundle: Path, dna: nn.Module, protein: nn.Module, classifier: nn.Module, log=print) -> bool:
    """Print max abs differences per model; True when all are within tolerance."""
    import onnxruntime as ort

    manifest = read_manifest(bundle)
    tolerance = FP16_TOLERANCE if manifest.get("provenance", {}).get("precision") == "fp16" else FP32_TOLERANCE
    options = ort.SessionOptions()
    options.log_severity_level = 3

    def session(name: str):
        return ort.InferenceSession(str(bundle / name), options, providers=["CPUExecutionProvider"])

    dna_vocab = dna.config.vocab_size if hasattr(dna, "config") else 4096
    checks = {
        "dna": check_encoder(dna, session(manifest["dna"]["onnx"]), manifest["dna"],
                             sample_rows(DNA_TOKENS, DNA_FIRST_REAL, dna_vocab - 1, DNA_CLS, DNA_SEP, 1), DNA_PAD),
        "protein": check_encoder(protein, session(manifest["protein"]["onnx"]), manifest["protein"],
                                 sample_rows(PROTEIN_TOKENS, ESM_FIRST_RESIDUE, ESM_LAST_RESIDUE, CLS, EOS, 2), PAD),
        "classifier": check_classifier(classifier, session(manifest["classifier"]["onnx"]),
                                       manifest["classifier"]["inputWidth"]),
    }
    ok = True
    for model_name, diffs in checks.items():
        worst = max(diffs.values())
        ok = ok and worst <= tolerance
        detail = ", ".join(f"{k} {v:.2e}" for k, v in diffs.items())
        log(f"[{'INFO' if worst <= tolerance else 'ERRO'}] verify {model_name}: max |diff| {detail} (tolerance {tolerance:.0e})")
    return ok
