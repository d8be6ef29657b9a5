"""FASTA reading, chunking, six-frame translation and frame selection, following the original's rules."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

CODON_TABLE = dict(zip(
    (a + b + c for a in "TCAG" for b in "TCAG" for c in "TCAG"),
    "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
))  # NCBI table 1
COMPLEMENT = str.maketrans("ACGTacgt", "TGCAtgca")
FRAME_SUFFIXES = ("F1", "F2", "F3", "R1", "R2", "R3")


def read_fasta(path: Path) -> list[tuple[str, str]]:
    """(id, sequence): id up to the first whitespace; lines joined without spaces or CR; empty records skipped."""
    records: list[tuple[str, list[str]]] = []
    for line in Path(path).read_text().split("\n"):
        if line.startswith(">"):
            header = line[1:].strip()
            records.append((header.split()[0] if header else "", []))
        elif records:
            records[-1][1].append(line.replace(" ", "").replace("\r", ""))
    return [(rid, "".join(parts)) for rid, parts in records if "".join(parts)]


def chunk_bounds(length: int, chunk: int) -> list[tuple[int, int]]:
    """[start, end) of each chunk, with the original's overlap spread over n chunks (spec §2, bug kept)."""
    n = math.ceil(length / chunk)
    spare = n * chunk - length
    lo = spare // n
    need = spare - lo * (n - 1)
    steps = [lo + 1] * need + [lo] * max(0, n - 1 - need) + [0]
    bounds, move = [], 0
    for a, step in zip(range(0, length, chunk), steps):
        start = a - move
        bounds.append((start, min(start + chunk, length)))
        move += step
    return bounds


def chunks(record_id: str, sequence: str, chunk: int) -> list[tuple[str, str]]:
    return [(f"{record_id}_chunk_{k + 1}", sequence[s:e]) for k, (s, e) in enumerate(chunk_bounds(len(sequence), chunk))]


def translate(nucleotides: str) -> str:
    """Every complete codon from position 0; codons that are not exactly A/C/G/T are dropped (no X)."""
    codons = (nucleotides[i:i + 3] for i in range(0, len(nucleotides) - 2, 3))
    return "".join(CODON_TABLE[c] for c in codons if c in CODON_TABLE)


def reverse_complement(nucleotides: str) -> str:
    return nucleotides.translate(COMPLEMENT)[::-1]


@dataclass(frozen=True)
class Frame:
    id: str
    nucleotide: str
    protein: str


def six_frames(chunk_sequence: str) -> list[tuple[str, str, str]]:
    """(suffix, strand sequence, protein) for F1..F3 then R1..R3, on the upper-cased chunk."""
    forward = chunk_sequence.upper()
    reverse = reverse_complement(forward)
    return [(FRAME_SUFFIXES[s * 3 + f], strand, translate(strand[f:]))
            for s, strand in enumerate((forward, reverse)) for f in range(3)]


def kept_frames(chunk_id: str, chunk_sequence: str) -> list[Frame]:
    """Frames whose protein is non-empty and stop-free; nucleotide = strand[k-1, k+3P) (spec §4)."""
    kept = []
    for suffix, strand, protein in six_frames(chunk_sequence):
        if protein and "*" not in protein:
            k = int(suffix[1])
            kept.append(Frame(chunk_id + suffix, strand[k - 1:k + 3 * len(protein)], protein))
    return kept
