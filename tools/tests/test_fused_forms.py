"""The fused export forms compute what the modules they replace compute.

dnabert_fused.FusedDnaBertS against DnaBertS: the same weights cut into row blocks, the same GLU halves. Its
attention is ONNX `Attention` (torch.onnx.ops, torch >= 2.9); where this torch lacks it (Debian's 1.13) the
test supplies the op as the ONNX specification defines it (3D [batch, tokens, heads x size] inputs, additive
bias, softmax(q k^T scale + bias) v). esm2_fused.FusedEsm2 needs Hugging Face's EsmModel and is compared with
it on the GPU machine (ADR 0007).
"""
import sys
import types
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_export.dnabert_fused import FusedDnaBertS  # noqa: E402
from virnucpro_export.dnabert_s import DnaBertConfig, DnaBertS  # noqa: E402
from virnucpro_export.esm2_fused import FusedEsm2, fused_esm2_supported  # noqa: E402
from virnucpro_fixtures.models import randomize_  # noqa: E402

try:
    from virnucpro_export.esm2 import random_esm2, wrap_esm2
    import transformers  # noqa: F401
    HAS_TRANSFORMERS = True
except ImportError:
    HAS_TRANSFORMERS = False


def spec_attention(q, k, v, bias, *, q_num_heads, kv_num_heads, scale):
    """ONNX Attention (opset 23) for 3D inputs and an additive bias, straight from its definition."""
    batch, tokens, hidden = q.shape
    size = hidden // q_num_heads

    def heads(x):
        return x.view(batch, tokens, kv_num_heads, size).transpose(1, 2)

    weights = torch.softmax(heads(q) @ heads(k).transpose(-1, -2) * scale + bias, dim=-1)
    return (weights @ heads(v)).transpose(1, 2).reshape(batch, tokens, hidden), None, None, None


class FusedDnaBertTest(unittest.TestCase):
    def setUp(self):
        self.ops = getattr(torch.onnx, "ops", None)
        if not hasattr(self.ops, "attention"):
            torch.onnx.ops = types.SimpleNamespace(attention=spec_attention)

    def tearDown(self):
        if self.ops is None:
            del torch.onnx.ops
        else:
            torch.onnx.ops = self.ops

    def test_same_hidden_states_as_dnabert_s_with_padding(self):
        # 6 heads of 8: a head count that is not a power of two (the ALiBi slope workaround), padded rows.
        config = DnaBertConfig(vocab_size=300, hidden_size=48, num_hidden_layers=2, num_attention_heads=6,
                               intermediate_size=96)
        model = randomize_(DnaBertS(config), 5)
        ids = torch.randint(5, 300, (4, 13))
        mask = torch.ones_like(ids)
        mask[1, 7:] = 0
        mask[3, 2:] = 0
        with torch.no_grad():
            expected, fused = model(ids, mask), FusedDnaBertS(model)(ids, mask)
        self.assertLessEqual((expected - fused).abs().max().item(), 1e-5)
        self.assertTrue(torch.equal(fused[1, 7:], torch.zeros_like(fused[1, 7:])))  # padding still zeroed



@unittest.skipUnless(HAS_TRANSFORMERS and hasattr(getattr(torch.onnx, "ops", None), "rotary_embedding"),
                     "needs transformers and torch.onnx.ops (torch >= 2.9): run on the GPU machine (ADR 0007)")
class FusedEsm2Test(unittest.TestCase):
    def test_same_hidden_states_as_hugging_face_esm2(self):
        # 4 heads of 8; padded rows; a <mask> token (id 32) so token dropout's rescaling is exercised.
        esm = randomize_(random_esm2(2, 32, 4, 64), 7, 0.1)
        self.assertTrue(fused_esm2_supported(esm))
        ids = torch.randint(4, 24, (4, 15))
        mask = torch.ones_like(ids)
        mask[1, 9:] = 0
        ids[mask == 0] = 1
        ids[:, 0] = 0
        ids[2, 6] = 32
        real = mask.bool()
        with torch.no_grad():
            expected, fused = wrap_esm2(esm)(ids, mask), FusedEsm2(esm)(ids, mask)
        self.assertLessEqual((expected - fused)[real].abs().max().item(), 1e-4)


if __name__ == "__main__":
    unittest.main()
