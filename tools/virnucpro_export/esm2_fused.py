"""ESM-2 written for the fused fp16 export: the maths of Hugging Face's `EsmModel`, in the ops ONNX Runtime's CUDA
provider runs as single kernels.

Exported as is, `EsmModel` costs more outside its matrix products than in them (ADR 0007's profile of the
650M shape: MatMul 25 % of kernel time; Add, Mul, Cast, Transpose, Split, Concat, Neg and Reshape 58 %):
per layer it moves the heads to their own axis and back, builds the rotary tables again, rotates q and k with
slices, negations and concatenations, and scales q by itself. Here each layer is: LayerNorm, three
projections, ONNX `RotaryEmbedding` on q and k, ONNX `Attention` on [batch, tokens, hidden] (no transposes;
the 1/sqrt(head size) scale is the op's), output projection + residual, LayerNorm, feed-forward + residual.
The rotary tables and the attention bias are built once per call, in float32, and rounded once. The value
bias is folded into the output projection's (dnabert_fused.fold_value_bias: attention weights sum to 1); the
key bias stays, since the rotation makes its effect differ from key to key.

It reuses the `EsmModel`'s own submodules (the same parameters, any dtype); the exported graph is checked
against the float32 `EsmModel` by `export_bundle.py verify` like any other export.
"""
from __future__ import annotations

import torch
from torch import nn

from .dnabert_fused import fold_value_bias

# Masked keys get this bias: exp() of it underflows to exactly 0 in fp16 and fp32 (DNABERT-S uses the same).
_MASKED = -10000.0
# ESM-2's training masked 15 % of tokens and replaced 80 % of those by <mask> (Hugging Face EsmEmbeddings).
_MASK_RATIO_TRAIN = 0.15 * 0.8


def fused_esm2_supported(esm: nn.Module) -> bool:
    """Whether `esm` (an EsmModel) is ESM-2 as this module writes it: rotary positions, no embedding LayerNorm."""
    config = getattr(esm, "config", None)
    ops = getattr(getattr(torch, "onnx", None), "ops", None)
    return (config is not None and getattr(config, "model_type", None) == "esm"
            and config.position_embedding_type == "rotary" and not config.emb_layer_norm_before
            and hasattr(ops, "attention") and hasattr(ops, "rotary_embedding"))


class FusedEsm2(nn.Module):
    """(input_ids, attention_mask) int64 [batch, tokens] -> last_hidden_state [batch, tokens, hidden]."""

    def __init__(self, esm: nn.Module):
        super().__init__()
        config = esm.config
        self.heads = int(config.num_attention_heads)
        self.head_size = int(config.hidden_size) // self.heads
        self.token_dropout = bool(config.token_dropout)
        self.mask_token_id = int(config.mask_token_id) if config.mask_token_id is not None else -1
        self.word_embeddings = esm.embeddings.word_embeddings
        self.layers = esm.encoder.layer
        # Per layer: the output projection with the value bias folded in (weights shared, not copied).
        self.attention_outs = nn.ModuleList(
            fold_value_bias(layer.attention.output.dense, layer.attention.self.value.bias) for layer in self.layers)
        self.final_norm = esm.encoder.emb_layer_norm_after
        # Float32 like the EsmModel's own (fp16_copy converts parameters only): angles at full precision.
        self.register_buffer("inv_freq", _rotary(esm).inv_freq.float(), persistent=False)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        ops = torch.onnx.ops
        x = self._embed(input_ids, attention_mask)
        batch, tokens = input_ids.shape
        cos, sin, positions = self._rotary_tables(batch, tokens, x.dtype, input_ids.device)
        bias = self._attention_bias(attention_mask, x.dtype)
        for layer, attention_out in zip(self.layers, self.attention_outs):
            attention = layer.attention
            h = attention.LayerNorm(x)
            q = ops.rotary_embedding(attention.self.query(h), cos, sin, positions, num_heads=self.heads)
            k = ops.rotary_embedding(attention.self.key(h), cos, sin, positions, num_heads=self.heads)
            v = nn.functional.linear(h, attention.self.value.weight)
            context = ops.attention(q, k, v, bias, q_num_heads=self.heads, kv_num_heads=self.heads,
                                    scale=self.head_size ** -0.5)[0]
            x = x + attention_out(context)
            x = x + layer.output.dense(layer.intermediate(layer.LayerNorm(x)))
        return self.final_norm(x)

    def _embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """EsmEmbeddings at inference: token dropout's rescaling (by the <mask> share of each row), padding zeroed."""
        x = self.word_embeddings(input_ids)
        if self.token_dropout:
            is_mask = input_ids == self.mask_token_id
            x = x.masked_fill(is_mask[..., None], 0.0)
            observed = is_mask.sum(-1).float() / attention_mask.sum(-1)
            x = (x * (1 - _MASK_RATIO_TRAIN) / (1 - observed)[:, None, None]).to(x.dtype)
        return (x * attention_mask[..., None]).to(x.dtype)

    def _rotary_tables(self, batch: int, tokens: int, dtype: torch.dtype, device: torch.device):
        """cos/sin [tokens, head_size / 2] computed in float32 and rounded once; position ids [batch, tokens]."""
        positions = torch.arange(tokens, device=device)
        angles = torch.outer(positions.float(), self.inv_freq)
        return angles.cos().to(dtype), angles.sin().to(dtype), positions[None, :].expand(batch, tokens)

    def _attention_bias(self, attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """[batch, 1, tokens, tokens]: 0 for real keys, _MASKED for padding (each query row the same)."""
        tokens = attention_mask.shape[1]
        keys = (1.0 - attention_mask[:, None, None, :].float()) * _MASKED
        return keys.expand(-1, 1, tokens, tokens).to(dtype)



def _rotary(esm: nn.Module) -> nn.Module:
    """The rotary embedding: one per model (transformers >= 5) or one per attention layer (4.x)."""
    shared = getattr(esm, "rotary_embeddings", None)
    return shared if shared is not None else esm.encoder.layer[0].attention.self.rotary_embeddings
