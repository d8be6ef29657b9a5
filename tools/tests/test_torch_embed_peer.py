"""bench/peers/torch_embed_peer.py --checkpoint: the PyTorch side of ortVsTorch runs the weights of a checkpoint
(what a bundle exported from real checkpoints holds), not the bench bundle's seeded ones."""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_export.dnabert_s import DnaBertConfig, DnaBertS, load_dnabert_s, save_published_checkpoint  # noqa: E402
from virnucpro_export.onnx_export import EncoderOutputs  # noqa: E402

PEER = Path(__file__).resolve().parents[2] / "bench" / "peers" / "torch_embed_peer.py"


def write_batches(path: Path, batches: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """The peer's batches file: per batch int64 ids then int64 mask; FILE.json lists {rows, length}."""
    with open(path, "wb") as f:
        for ids, mask in batches:
            f.write(ids.astype("<i8").tobytes())
            f.write(mask.astype("<i8").tobytes())
    Path(str(path) + ".json").write_text(json.dumps([{"rows": ids.shape[0], "length": ids.shape[1]} for ids, _ in batches]))


class TorchEmbedPeerCheckpointTest(unittest.TestCase):
    def test_runs_the_checkpoint_weights(self):
        torch.manual_seed(5)
        model = DnaBertS(DnaBertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64))
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.normal_(0, 0.2)
        rng = np.random.default_rng(3)
        batches = []
        for rows, length in ((3, 9), (2, 5)):
            ids = rng.integers(5, 4096, size=(rows, length))
            mask = np.ones((rows, length), dtype=np.int64)
            mask[0, length - 3:] = 0
            ids[mask == 0] = 3  # DNABERT-S's [PAD]
            batches.append((ids, mask))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp, "dnabert-s")
            tokenizer = Path(tmp, "tokenizer.json")
            tokenizer.write_text("{}")  # only its presence is checked when loading
            save_published_checkpoint(model, folder, tokenizer)
            write_batches(Path(tmp, "batches.bin"), batches)
            done = subprocess.run([sys.executable, str(PEER), "run", "--model", "dnabert", "--checkpoint", str(folder),
                                   "--batches", str(Path(tmp, "batches.bin")), "--rounds", "1", "--threads", "1"],
                                  capture_output=True, text=True, check=False)
            self.assertEqual(done.returncode, 0, done.stderr)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            with torch.no_grad():
                ids, mask = (torch.from_numpy(a) for a in batches[0])
                expected = EncoderOutputs(load_dnabert_s(folder), "mean").eval()(ids, mask)[1]
        got = np.array(result["pooled"], dtype=np.float32).reshape(expected.shape)
        self.assertLessEqual(float(np.abs(got - expected.numpy()).max()), 1e-5)
        self.assertEqual(result["agreement"]["torch"]["rows"], 5)


if __name__ == "__main__":
    unittest.main()
