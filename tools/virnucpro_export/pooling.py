"""VirNucPro's pooling rules (docs/model-bundle.md), written once for references, verification and the graph."""
from __future__ import annotations

import torch

# Protein means stop after this many residues (VirNucPro semantics §6: positions 1..min(1024, P)).
PROTEIN_POOL_LIMIT = 1024


def mean_all_tokens(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """dna.pooling = "mean": mean over every real token, [CLS] and [SEP] included."""
    mask = attention_mask.to(hidden.dtype)[:, :, None]
    return (hidden * mask).sum(1) / mask.sum(1)


def mean_residues(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """protein.pooling = "mean-residues": mean over positions 1..min(1024, P); <cls>, <eos>, padding excluded."""
    residues = attention_mask.sum(1, keepdim=True) - 2
    last = torch.clamp(residues, max=PROTEIN_POOL_LIMIT)
    positions = torch.arange(hidden.shape[1], device=hidden.device)[None, :]
    mask = ((positions >= 1) & (positions <= last)).to(hidden.dtype)[:, :, None]
    return (hidden * mask).sum(1) / mask.sum(1)


POOLING = {"mean": mean_all_tokens, "mean-residues": mean_residues}
