"""The classifier loader must refuse pickles that name anything outside its allow-list, before running it."""
import os
import pickle
import sys
import tempfile
import unittest
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_export.classifier import MLPClassifier, load_classifier, random_classifier, save_like_original  # noqa: E402
from virnucpro_export.safe_pickle import UnsafePickleError  # noqa: E402


class RunsShell:
    """A payload: unpickling it would call os.system."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class SafePickleTest(unittest.TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.marker = self.folder / "pwned"

    def assert_refused(self, path: Path, global_name: str):
        with self.assertRaises(UnsafePickleError) as caught:
            load_classifier(path)
        self.assertIn(f"'{global_name}'", str(caught.exception))
        self.assertFalse(self.marker.exists(), "the payload ran")

    def test_refuses_os_system_in_a_torch_save_zip(self):
        path = self.folder / "evil.pth"
        torch.save({"model": RunsShell(self.marker)}, path)
        self.assert_refused(path, f"{os.system.__module__}.system")

    def test_refuses_a_plain_pickle_without_unpickling_it(self):
        path = self.folder / "evil_legacy.pth"
        path.write_bytes(pickle.dumps(RunsShell(self.marker), protocol=2))
        with self.assertRaisesRegex(UnsafePickleError, "not a torch zip checkpoint"):
            load_classifier(path)
        self.assertFalse(self.marker.exists(), "the payload ran")

    def test_refuses_a_module_class_outside_the_classifier(self):
        model = random_classifier(16, seed=1, hidden_dim=8)
        model.dropout = nn.Conv1d(1, 1, 1)  # any other layer type is not a VirNucPro classifier
        path = self.folder / "other.pth"
        save_like_original(model, path)
        self.assert_refused(path, "torch.nn.modules.conv.Conv1d")

    def test_accepts_the_original_layout(self):
        model = random_classifier(16, seed=2, hidden_dim=8)
        path = self.folder / "500_model.pth"
        save_like_original(model, path)
        loaded = load_classifier(path)
        self.assertIsInstance(loaded, MLPClassifier)
        self.assertFalse(loaded.training)
        x = torch.randn(5, 16)
        with torch.no_grad():
            self.assertTrue(torch.equal(loaded(x), model(x)))


if __name__ == "__main__":
    unittest.main()
