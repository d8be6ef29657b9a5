"""Classifier checkpoints: the original's attribute names and pickled class path, shape checks."""
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_export.classifier import MLPClassifier, load_classifier, random_classifier, save_like_original  # noqa: E402


class ClassifierTest(unittest.TestCase):
    def test_state_dict_keys_are_the_originals(self):
        self.assertEqual(sorted(MLPClassifier().state_dict()), sorted([
            "hidden_layer.weight", "hidden_layer.bias", "bn1.weight", "bn1.bias", "bn1.running_mean",
            "bn1.running_var", "bn1.num_batches_tracked", "output_layer.weight", "output_layer.bias"]))

    def test_saved_like_train_py_names_main_mlpclassifier(self):
        path = Path(tempfile.mkdtemp()) / "500_model.pth"
        save_like_original(random_classifier(8, seed=3, hidden_dim=4), path)
        with zipfile.ZipFile(path) as archive:
            pickled = archive.read(next(n for n in archive.namelist() if n.endswith("data.pkl")))
        self.assertIn(b"__main__\nMLPClassifier", pickled)
        self.assertEqual(MLPClassifier.__module__, "virnucpro_export.classifier")

    def test_eval_uses_running_statistics(self):
        model = random_classifier(8, seed=4, hidden_dim=4)
        x = torch.randn(3, 8)
        bn = model.bn1
        expected = (model.hidden_layer(x) - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
        expected = model.output_layer(torch.relu(expected))
        with torch.no_grad():
            self.assertLess(float((model(x) - expected).abs().max()), 1e-6)

    def test_refuses_a_three_class_head(self):
        model = MLPClassifier(8, 4, 3)
        path = Path(tempfile.mkdtemp()) / "model.pth"
        save_like_original(model, path)
        with self.assertRaisesRegex(ValueError, "3 outputs"):
            load_classifier(path)


if __name__ == "__main__":
    unittest.main()
