"""compare_predictions.py, the judge of the GPU agreement figures (ADR 0007 (c)), on directories written here."""
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "compare_predictions.py"
FRAMES = 1000


def write_run(folder: Path, flip_labels=0, shift=0.0, drop_frame=False, flip_chunks=0, extra_chunk=False):
    """A prediction directory of FRAMES frames over FRAMES / 4 chunks, every score moved by `shift`, the first
    `flip_labels` labels and `flip_chunks` consensus calls flipped (scores left alone: the script judges each
    column on its own)."""
    folder.mkdir()
    rows = ["Sequence_ID\tPrediction\tscore1\tscore2"]
    for i in range(FRAMES if not drop_frame else FRAMES - 1):
        viral = i % 3 == 0
        score = (0.25 if viral else 0.75) + shift
        label = "virus" if viral != (i < flip_labels) else "others"
        rows.append(f"r{i // 4}_chunk_1F{i % 4 + 1}\t{label}\t{score:.8g}\t{1 - score:.8g}")
    (folder / "prediction_results.txt").write_text("\n".join(rows) + "\n")
    calls = ["Modified_ID\tIs_Virus"]
    for c in range(FRAMES // 4 + (1 if extra_chunk else 0)):
        calls.append(f"r{c}_chunk_1\t{(c % 2 == 0) != (c < flip_chunks)}")
    (folder / "prediction_results_highestscore.csv").write_text("\n".join(calls) + "\n")


class ComparePredictionsTest(unittest.TestCase):
    def compare(self, ours: dict, *options: str) -> tuple[int, str]:
        with tempfile.TemporaryDirectory() as tmp:
            write_run(Path(tmp, "ref"))
            write_run(Path(tmp, "ours"), **ours)
            done = subprocess.run([sys.executable, str(SCRIPT), str(Path(tmp, "ours")), str(Path(tmp, "ref")), *options],
                                  capture_output=True, text=True, check=False)
            return done.returncode, done.stdout

    def test_identical_runs_agree_fully(self):
        code, out = self.compare({})
        self.assertEqual(code, 0, out)
        self.assertIn("frames 1000; max |score difference| 0; labels agree 100.000 %; chunks 250; consensus agree 100.000 %", out)

    def test_scores_judged_by_the_tolerance(self):
        self.assertEqual(self.compare({"shift": 3e-5})[0], 0)
        code, out = self.compare({"shift": 3e-4})
        self.assertEqual(code, 1, out)
        self.assertIn("max |score difference| 0.0003", out)
        self.assertEqual(self.compare({"shift": 3e-4}, "--tolerance", "5e-4")[0], 0)

    def test_label_agreement_at_the_threshold(self):
        code, out = self.compare({"flip_labels": 1})
        self.assertEqual(code, 0, out)  # 999 of 1000 = 0.999, the default minimum
        self.assertIn("labels agree 99.900 %", out)
        code, out = self.compare({"flip_labels": 2})
        self.assertEqual(code, 1, out)
        self.assertIn("labels agree 99.800 %", out)

    def test_consensus_every_chunk_by_default(self):
        code, out = self.compare({"flip_chunks": 1})
        self.assertEqual(code, 1, out)
        self.assertIn("consensus agree 99.600 %", out)
        self.assertEqual(self.compare({"flip_chunks": 1}, "--min-consensus-agreement", "0.996")[0], 0)

    def test_different_frames_or_chunks_fail(self):
        code, out = self.compare({"drop_frame": True})
        self.assertEqual(code, 1)
        self.assertIn("frame ids differ: 999 vs 1000 frames", out)
        code, out = self.compare({"extra_chunk": True})
        self.assertEqual(code, 1, out)
        self.assertIn("(chunk ids differ)", out)


if __name__ == "__main__":
    unittest.main()
