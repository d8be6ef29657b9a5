"""The clean DNABERT-S module: ALiBi slopes, padding invariance, published checkpoint layout, ONNX export."""
import sys
import tempfile
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_export.dnabert_s import DnaBertConfig, DnaBertS, alibi_slopes, load_dnabert_s, save_published_checkpoint  # noqa: E402
from virnucpro_fixtures.models import randomize_  # noqa: E402

SMALL = DnaBertConfig(vocab_size=64, hidden_size=24, num_hidden_layers=2, num_attention_heads=6, intermediate_size=40)


def rows(lengths, vocab, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [torch.cat([torch.tensor([1]), torch.randint(5, vocab, (n - 2,), generator=generator), torch.tensor([2])])
            for n in lengths]


class DnaBertSTest(unittest.TestCase):
    def test_slopes_for_twelve_heads(self):
        # MosaicBERT for 12 heads: the 8-head geometric series 2^-1..2^-8, then every other 16-head slope.
        expected = [2.0 ** -k for k in range(1, 9)] + [2.0 ** -(k + 0.5) for k in range(4)]
        self.assertEqual(len(alibi_slopes(12)), 12)
        for got, want in zip(alibi_slopes(12), expected):
            self.assertAlmostEqual(got, want, places=12)

    def test_padded_batch_equals_one_at_a_time(self):
        model = randomize_(DnaBertS(SMALL), 5)
        batch = rows((3, 9, 40, 530), SMALL.vocab_size)  # 530 > 512: past the published table's first size
        width = max(len(r) for r in batch)
        ids = torch.full((len(batch), width), 3)
        mask = torch.zeros_like(ids)
        for i, r in enumerate(batch):
            ids[i, : len(r)], mask[i, : len(r)] = r, 1
        with torch.no_grad():
            padded = model(ids, mask)
            for i, r in enumerate(batch):
                alone = model(r[None], torch.ones_like(r)[None])[0]
                self.assertLess(float((padded[i, : len(r)] - alone).abs().max()), 1e-5)
                self.assertEqual(float(padded[i, len(r):].abs().sum()), 0.0)  # re-padded with zeros

    def test_loads_published_layouts(self):
        model = randomize_(DnaBertS(SMALL), 6)
        x = rows((12,), SMALL.vocab_size)[0][None]
        folder = Path(tempfile.mkdtemp())
        save_published_checkpoint(model, folder)
        with torch.no_grad():
            expected = model(x, torch.ones_like(x))
            self.assertTrue(torch.equal(load_dnabert_s(folder)(x, torch.ones_like(x)), expected))
            # DNABERT-2-style BertForMaskedLM checkpoint: `bert.` prefix plus an MLM head and a pooler.
            state = {"bert." + k: v for k, v in model.state_dict().items()}
            state["cls.predictions.bias"] = torch.zeros(SMALL.vocab_size)
            state["bert.pooler.dense.weight"] = torch.zeros(SMALL.hidden_size, SMALL.hidden_size)
            torch.save(state, folder / "pytorch_model.bin")
            self.assertTrue(torch.equal(load_dnabert_s(folder)(x, torch.ones_like(x)), expected))

    def test_refuses_a_checkpoint_of_another_shape(self):
        folder = Path(tempfile.mkdtemp())
        save_published_checkpoint(randomize_(DnaBertS(SMALL), 7), folder)
        state = torch.load(folder / "pytorch_model.bin")
        del state["encoder.layer.1.mlp.wo.bias"]
        torch.save(state, folder / "pytorch_model.bin")
        with self.assertRaisesRegex(ValueError, "encoder.layer.1.mlp.wo.bias"):
            load_dnabert_s(folder)

    def test_exports_to_onnx(self):
        import onnx

        from virnucpro_export.onnx_export import export_encoder

        path = Path(tempfile.mkdtemp()) / "dna.onnx"
        export_encoder(randomize_(DnaBertS(SMALL), 8), path, pooling="mean")
        graph = onnx.load(str(path)).graph
        self.assertEqual([i.name for i in graph.input], ["input_ids", "attention_mask"])
        self.assertEqual([o.name for o in graph.output], ["last_hidden_state", "pooled"])
        dims = [d.dim_param for d in graph.input[0].type.tensor_type.shape.dim]
        self.assertEqual(dims, ["batch", "tokens"])


if __name__ == "__main__":
    unittest.main()
