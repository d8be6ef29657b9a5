"""Deterministic synthetic sequences for fixtures (numpy Generator, fixed seeds)."""
from __future__ import annotations

import numpy as np

from .sequences import CODON_TABLE

AMINO_ACIDS = "LAGVSERTIDPKQNFYMHWC"
SENSE_CODONS = sorted(codon for codon, aa in CODON_TABLE.items() if aa != "*")


def dna(rng: np.random.Generator, length: int, alphabet: str = "ACGT") -> str:
    return "".join(rng.choice(list(alphabet), length))


def sprinkle(rng: np.random.Generator, sequence: str, letters: str, count: int) -> str:
    """Replace `count` random positions with letters drawn from `letters`."""
    chars = list(sequence)
    for position in rng.choice(len(chars), min(count, len(chars)), replace=False):
        chars[position] = str(rng.choice(list(letters)))
    return "".join(chars)


def protein(rng: np.random.Generator, length: int) -> str:
    return "".join(rng.choice(list(AMINO_ACIDS), length))


def open_reading_frame(rng: np.random.Generator, length: int) -> str:
    """Stop-free forward frame 1 (frames on the other strand usually still hit a stop)."""
    codons = rng.choice(SENSE_CODONS, length // 3 + 1)
    return "".join(codons)[:length]
