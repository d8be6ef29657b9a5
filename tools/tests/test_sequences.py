"""The fixture generator's chunking and frame rules against the original's outputs in ../shared/reference."""
import csv
import os
import sys
import unittest
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_fixtures.sequences import chunk_bounds, chunks, kept_frames, read_fasta, six_frames  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("VIRNUCPRO_SHARED", REPO.parent / "shared"))
ORIGINAL = SHARED / "reference/generated_from_original"
BROAD = SHARED / "reference/broad_tests_data"


@unittest.skipUnless(ORIGINAL.exists(), f"{SHARED}/reference not found (reference data lives beside the checkout)")
class SequencesAgainstOriginalTest(unittest.TestCase):
    def test_chunk_boundaries(self):
        expected = defaultdict(list)
        with open(ORIGINAL / "chunk_boundaries_300_500.tsv") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                expected[int(row["chunk_size"]), int(row["seq_len"])].append((int(row["start0"]), int(row["end0_exclusive"])))
        for (size, length), bounds in expected.items():
            self.assertEqual(chunk_bounds(length, size), bounds, f"length {length}, chunk {size}")

    def test_edge_cases(self):
        chunked = [c for rid, seq in read_fasta(ORIGINAL / "edge_cases.fa") for c in chunks(rid, seq, 500)]
        self.assertEqual(chunked, read_fasta(ORIGINAL / "edge_cases_chunked500.fa"))
        with open(ORIGINAL / "edge_cases_six_frames.tsv") as handle:
            rows = [(r["chunk_id"], r["frame"], "" if r["translation"] == "(empty)" else r["translation"])
                    for r in csv.DictReader(handle, delimiter="\t")]
        self.assertEqual(rows, [(cid, suffix, protein) for cid, seq in chunked for suffix, _, protein in six_frames(seq)])
        frames = [f for cid, seq in chunked for f in kept_frames(cid, seq)]
        self.assertEqual([(f.id, f.nucleotide) for f in frames], read_fasta(ORIGINAL / "edge_cases_identified_nucleotide.fa"))
        self.assertEqual([(f.id, f.protein) for f in frames], read_fasta(ORIGINAL / "edge_cases_identified_protein.faa"))

    def test_broad_vanilla_inputs(self):
        for name in ("test_with_orfs", "test_fixed_500bp", "test_sequences_small"):
            chunked = [c for rid, seq in read_fasta(BROAD / f"{name}.fa") for c in chunks(rid, seq, 500)]
            self.assertEqual(chunked, read_fasta(BROAD / f"{name}_chunked500.fa"))
            frames = [f for cid, seq in chunked for f in kept_frames(cid, seq)]
            self.assertEqual([(f.id, f.protein) for f in frames], read_fasta(BROAD / f"{name}_identified_protein.faa"))


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(ORIGINAL.exists(), f"{SHARED}/reference not found (reference data lives beside the checkout)")
class OutputWritersAgainstOriginalTest(unittest.TestCase):
    def test_consensus_example(self):
        """Scores pushed through the original's writer and consensus (per-frame tie = others, chunk tie = True)."""
        import numpy as np

        from virnucpro_fixtures.pipeline import FramePrediction, highest_scores, prediction_results
        from virnucpro_fixtures.sequences import Frame

        expected = (ORIGINAL / "consensus_example_prediction_results.txt").read_text()
        rows = [line.split("\t") for line in expected.splitlines()[1:]]
        predictions = [FramePrediction(Frame(r[0], "", ""), [], np.zeros(0, np.float32), np.zeros(2, np.float32),
                                       np.array([r[2], r[3]], dtype=np.float32)) for r in rows]
        self.assertEqual(prediction_results(predictions), expected)
        self.assertEqual(highest_scores(predictions),
                         (ORIGINAL / "consensus_example_prediction_results_highestscore.csv").read_text())
