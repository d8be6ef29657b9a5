"""The original's prediction path with given models: embeddings one sequence at a time, merge, MLP, outputs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from virnucpro_export.esm2 import esm_token_ids
from virnucpro_export.pooling import mean_all_tokens, mean_residues

from .sequences import Frame, chunks, kept_frames, read_fasta


def embed_one(model: nn.Module, ids: list[int], pool) -> np.ndarray:
    """One row, no padding: what the original did for every sequence."""
    row = torch.tensor([ids], dtype=torch.int64)
    mask = torch.ones_like(row)
    with torch.no_grad():
        return pool(model(row, mask), mask)[0].numpy()


@dataclass
class FramePrediction:
    frame: Frame
    dna_ids: list[int]
    features: np.ndarray
    logits: np.ndarray
    scores: np.ndarray  # float32 softmax (score1 = others, score2 = virus)

    @property
    def label(self) -> str:
        return "virus" if self.scores[1] > self.scores[0] else "others"


def frame_features(fasta: Path, chunk_length: int, dna_tokenize: Callable[[str], list[int]], dna: nn.Module,
                   protein: nn.Module) -> list[tuple[Frame, list[int], np.ndarray]]:
    """(frame, DNA token ids, merged [DNA mean | protein mean] features) for every kept frame, in output order."""
    frames = [frame for record_id, sequence in read_fasta(fasta)
              for chunk_id, chunk in chunks(record_id, sequence, chunk_length)
              for frame in kept_frames(chunk_id, chunk)]
    rows = []
    for frame in frames:
        dna_ids = dna_tokenize(frame.nucleotide)
        features = np.concatenate([embed_one(dna, dna_ids, mean_all_tokens),
                                   embed_one(protein, esm_token_ids(frame.protein), mean_residues)])
        rows.append((frame, dna_ids, features.astype(np.float32)))
    return rows


def classify(rows: list[tuple[Frame, list[int], np.ndarray]], classifier: nn.Module) -> list[FramePrediction]:
    """Logits and float32 softmax per frame, as prediction.py computes them."""
    predictions = []
    for frame, dna_ids, features in rows:
        with torch.no_grad():
            logits = classifier(torch.from_numpy(features)[None])
            scores = torch.softmax(logits, dim=1)[0].numpy()
        predictions.append(FramePrediction(frame, dna_ids, features, logits[0].numpy(), scores))
    return predictions


def prediction_results(predictions: list[FramePrediction]) -> str:
    """prediction_results.txt: numpy float32 str() formatting, like the original's '\\t'.join(map(str, row)).

    str(), not an f-string: numpy 2 formats float32 scalars in f-strings as float64 digits.
    """
    lines = ["Sequence_ID\tPrediction\tscore1\tscore2"]
    lines += [f"{p.frame.id}\t{p.label}\t{str(p.scores[0])}\t{str(p.scores[1])}" for p in predictions]
    return "\n".join(lines) + "\n"


def highest_scores(predictions: list[FramePrediction]) -> str:
    """prediction_results_highestscore.csv: per chunk (id minus its frame suffix), sorted like pandas groupby."""
    groups: dict[str, list[FramePrediction]] = {}
    for p in predictions:
        groups.setdefault(p.frame.id[:-2], []).append(p)
    lines = ["Modified_ID\tIs_Virus"]
    for group in sorted(groups):
        members = groups[group]
        is_virus = bool(max(p.scores[1] for p in members) >= max(p.scores[0] for p in members))
        lines.append(f"{group}\t{is_virus}")
    return "\n".join(lines) + "\n"
