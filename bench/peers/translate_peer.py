#!/usr/bin/env python3
"""Peer for bench/e2e: the original VirNucPro's chunking + six-frame identification, written the
straightforward per-record Python way (string slicing, a codon dict), printing the same TSV as
`virnucpro translate --format tsv`. Only the standard library: it runs on any python3.

usage: translate_peer.py <fasta> <chunk_length>   (TSV on stdout)
"""
import sys

BASES = "TCAG"
AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODONS = {a + b + c: AMINO[16 * i + 4 * j + k]
          for i, a in enumerate(BASES) for j, b in enumerate(BASES) for k, c in enumerate(BASES)}
COMPLEMENT = str.maketrans("ACGTacgt", "TGCAtgca")


def records(path):
    rid, parts = None, []
    with open(path) as handle:
        for line in handle:
            if line.startswith(">"):
                if rid is not None:
                    yield rid, "".join(parts)
                rid, parts = line[1:].split(None, 1)[0] if line[1:].strip() else "", []
            else:
                parts.append(line.strip().replace(" ", "").replace("\r", ""))
    if rid is not None:
        yield rid, "".join(parts)


def chunks(seq, size):
    n = -(-len(seq) // size)
    rest = n * size - len(seq)
    lo = rest // n
    need = rest - lo * (n - 1)
    steps = [lo + 1] * need + [lo] * max(0, n - 1 - need) + [0]
    move = 0
    for k, (start, step) in enumerate(zip(range(0, len(seq), size), steps)):
        yield k + 1, seq[start - move:start - move + size]
        move += step


def translate(seq):
    return "".join(CODONS.get(seq[i:i + 3], "") for i in range(0, len(seq) - 2, 3))


def main():
    path, size = sys.argv[1], int(sys.argv[2])
    out = sys.stdout
    for rid, seq in records(path):
        if not seq:
            continue
        for k, chunk in chunks(seq, size):
            chunk = chunk.upper()
            strands = (chunk, chunk.translate(COMPLEMENT)[::-1])
            for s, strand in enumerate(strands):
                for f in range(3):
                    protein = translate(strand[f:])
                    if protein and "*" not in protein:
                        nucleotide = strand[f:f + 1 + 3 * len(protein)]
                        out.write(f"{rid}_chunk_{k}{'FR'[s]}{f + 1}\t{nucleotide}\t{protein}\n")


if __name__ == "__main__":
    main()
