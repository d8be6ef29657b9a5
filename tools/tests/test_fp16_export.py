"""The pieces of the fp16 GPU export that run on any torch: the fp16 copy, the rotary-table patch, the outputs wrapper,
where the verify step runs.

The export itself (dynamo, opset 24) needs torch >= 2.9 with onnxscript and is checked on the GPU machine
(docs/gpu.md); Debian's torch 1.13 has neither, nor fp16 matmuls on the CPU.
"""
import copy
import sys
import unittest
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_export.dnabert_s import DnaBertConfig, DnaBertS  # noqa: E402
from virnucpro_export.esm2 import follow_runtime_length  # noqa: E402
from virnucpro_export.onnx_export import EncoderOutputs, fp16_copy  # noqa: E402
from virnucpro_fixtures.models import randomize_  # noqa: E402

SMALL = DnaBertConfig(vocab_size=64, hidden_size=24, num_hidden_layers=1, num_attention_heads=6, intermediate_size=32)


class Rotary(nn.Module):
    """The caching shape of Hugging Face's ESM rotary embedding, reduced to what the patch relies on."""

    def __init__(self):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, 8, 2).float() / 8)))
        self._seq_len_cached = None
        self.builds = 0

    def _update_cos_sin_tables(self, x, seq_dimension=2):
        if x.shape[seq_dimension] != self._seq_len_cached:
            self.builds += 1
            self._seq_len_cached = x.shape[seq_dimension]
            t = torch.arange(x.shape[seq_dimension]).type_as(self.inv_freq)
            emb = torch.cat((torch.outer(t, self.inv_freq),) * 2, dim=-1)
            self._cos_cached, self._sin_cached = emb.cos(), emb.sin()
        return self._cos_cached, self._sin_cached


class Fp16CopyTest(unittest.TestCase):
    def test_parameters_halved_buffers_kept_original_untouched(self):
        model = nn.Sequential(nn.Linear(4, 4), Rotary())
        before = {k: v.clone() for k, v in model.state_dict().items()}
        half = fp16_copy(model)
        self.assertTrue(all(p.dtype == torch.float16 for p in half.parameters()))
        self.assertEqual(half[1].inv_freq.dtype, torch.float32)  # rotary frequencies keep full precision
        self.assertTrue(all(p.dtype == torch.float32 for p in model.parameters()))
        for key, value in model.state_dict().items():
            self.assertTrue(torch.equal(value, before[key]), key)
        self.assertTrue(torch.equal(half[0].weight.float(), before["0.weight"].half().float()))

    def test_dnabert_copy_keeps_its_alibi_constant_in_float32(self):
        model = randomize_(DnaBertS(SMALL), 3)
        half = fp16_copy(model)
        mask = torch.tensor([[1, 1, 1, 0]])
        bias = half.encoder.attention_bias(mask)
        self.assertEqual(bias.dtype, torch.float32)
        self.assertTrue(torch.equal(bias, model.encoder.attention_bias(mask)))


class RuntimeLengthTest(unittest.TestCase):
    def test_tables_rebuilt_every_call_and_cast_to_the_activations(self):
        rotary = Rotary()
        follow_runtime_length(rotary)
        follow_runtime_length(rotary)  # idempotent: one subclass, not a chain
        self.assertEqual(type(rotary).__mro__[1], Rotary)
        x = torch.zeros(1, 1, 5, 8, dtype=torch.float16)
        cos, sin = rotary._update_cos_sin_tables(x, seq_dimension=2)
        self.assertEqual((cos.dtype, sin.dtype, tuple(cos.shape)), (torch.float16, torch.float16, (5, 8)))
        rotary._update_cos_sin_tables(x, seq_dimension=2)
        self.assertEqual(rotary.builds, 2)  # the same length twice: rebuilt both times (a trace must not bake a cache in)

    def test_deep_copies_follow_too(self):
        model = nn.Sequential(Rotary())
        follow_runtime_length(model)
        copied = copy.deepcopy(model)
        self.assertIs(type(copied[0]), type(model[0]))
        cos, _ = copied[0]._update_cos_sin_tables(torch.zeros(1, 1, 3, 8, dtype=torch.float16))
        self.assertEqual(cos.dtype, torch.float16)


class EncoderOutputsTest(unittest.TestCase):
    def test_float32_outputs_and_pooled_mean(self):
        model = randomize_(DnaBertS(SMALL), 4)
        ids = torch.tensor([[1, 7, 9, 2], [1, 8, 2, 3]])
        mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
        hidden, pooled = EncoderOutputs(model, "mean")(ids, mask)
        self.assertEqual((hidden.dtype, pooled.dtype), (torch.float32, torch.float32))
        expected = hidden[1, :3].mean(0)
        self.assertLess(float((pooled[1] - expected).abs().max()), 1e-6)
        only_hidden = EncoderOutputs(model, None)(ids, mask)
        self.assertTrue(torch.equal(only_hidden, hidden))


class VerifyProviders(unittest.TestCase):
    def test_fp16_bundles_verify_on_cuda_where_onnxruntime_has_it(self):
        from virnucpro_export.verify import verify_providers

        gpu = ["CUDAExecutionProvider", "CPUExecutionProvider"]
        self.assertEqual(verify_providers(True, gpu), ["CUDAExecutionProvider", "CPUExecutionProvider"])
        self.assertEqual(verify_providers(True, ["CPUExecutionProvider"]), ["CPUExecutionProvider"])
        # fp32 bundles are checked on the CPU, where they are meant to run and their 1e-4 bar was set.
        self.assertEqual(verify_providers(False, gpu), ["CPUExecutionProvider"])


if __name__ == "__main__":
    unittest.main()
