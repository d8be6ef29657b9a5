"""Pooling rules against plain loops."""
import sys
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_export.pooling import mean_all_tokens, mean_residues  # noqa: E402


class PoolingTest(unittest.TestCase):
    def test_padded_rows(self):
        hidden = torch.randn(3, 1100, 4, dtype=torch.float64)
        lengths = [3, 40, 1100]  # P = 1, 38, 1098 residues: the last is clipped at 1024
        mask = torch.zeros(3, 1100, dtype=torch.int64)
        for i, n in enumerate(lengths):
            mask[i, :n] = 1
        for i, n in enumerate(lengths):
            self.assertTrue(torch.allclose(mean_all_tokens(hidden, mask)[i], hidden[i, :n].mean(0)))
            last = min(1024, n - 2)
            self.assertTrue(torch.allclose(mean_residues(hidden, mask)[i], hidden[i, 1:last + 1].mean(0)))


if __name__ == "__main__":
    unittest.main()
