"""DNABERT-S written for the fused fp16 export: the maths of dnabert_s.DnaBertS in the ops ONNX Runtime's CUDA
provider runs as single kernels.

Exported as is, DnaBertS spends more kernel time splitting its packed projections than in attention (ADR
0007's profile: Split 20 %, Transpose 6 %, Squeeze 3 % against MatMul 33 %): `Wqkv` and the gated MLP's
`gated_layers` each produce one wide tensor that is then cut along an inner axis, and the heads move to
their own axis and back. Here q, k, v, the gate and its partner are separate projections (the same weights,
row blocks of the packed ones) and ONNX `Attention` takes [batch, tokens, hidden] with the ALiBi bias, so
no tensor is split or transposed. Two of the three bias additions before attention are folded away, exactly:
the key bias shifts every score of a query by the same amount (q . b_k), which softmax ignores, and the value
bias comes out of attention unchanged (the weights sum to 1), so it joins the output projection's bias
(b_o + W_o b_v). The exported graph is checked against the float32 DnaBertS by `export_bundle.py verify` like
any other export.
"""
from __future__ import annotations

import torch
from torch import nn

from .dnabert_s import BertLayer, DnaBertS


def fused_dnabert_supported() -> bool:
    """The ONNX ops this form is written in exist in this torch (torch.onnx.ops, torch >= 2.9)."""
    ops = getattr(getattr(torch, "onnx", None), "ops", None)
    return hasattr(ops, "attention")


def _rows(linear: nn.Linear, start: int, size: int, bias: bool = True) -> nn.Linear:
    """A Linear computing outputs [start, start + size) of `linear`: its row block of weights (and of its bias,
    unless `bias` is False)."""
    keep_bias = bias and linear.bias is not None
    part = nn.Linear(linear.in_features, size, bias=keep_bias, device=linear.weight.device, dtype=linear.weight.dtype)
    with torch.no_grad():
        part.weight.copy_(linear.weight[start:start + size])
        if keep_bias:
            part.bias.copy_(linear.bias[start:start + size])
    return part.requires_grad_(False)


def fold_value_bias(output: nn.Linear, value_bias: torch.Tensor | None) -> nn.Linear:
    """`output` with the value projection's bias moved into its own: W_o (c + b_v) + b_o = W_o c + (W_o b_v + b_o),
    computed in float32 and rounded once. Shares `output`'s weight."""
    if value_bias is None:
        return output
    folded = nn.Linear(output.in_features, output.out_features, bias=True, device=output.weight.device,
                       dtype=output.weight.dtype)
    folded.weight = output.weight
    with torch.no_grad():
        own = output.bias.float() if output.bias is not None else 0.0
        folded.bias.copy_((output.weight.float() @ value_bias.float() + own).to(output.weight.dtype))
    return folded.requires_grad_(False)


class _FusedLayer(nn.Module):
    def __init__(self, layer: BertLayer):
        super().__init__()
        packed, hidden = layer.attention.self.Wqkv, layer.attention.self.Wqkv.in_features
        self.heads = layer.attention.self.num_heads
        self.scale = layer.attention.self.head_size ** -0.5
        # 'b s (t h d)': q, k, v are the outer split of Wqkv's outputs (dnabert_s.BertSelfAttention).
        self.query = _rows(packed, 0, hidden)
        self.key = _rows(packed, hidden, hidden, bias=False)
        self.value = _rows(packed, 2 * hidden, hidden, bias=False)
        value_bias = packed.bias[2 * hidden:] if packed.bias is not None else None
        self.attention_out = fold_value_bias(layer.attention.output.dense, value_bias)
        self.attention_norm = layer.attention.output.LayerNorm
        gated, intermediate = layer.mlp.gated_layers, layer.mlp.intermediate_size
        self.gate, self.up = _rows(gated, 0, intermediate), _rows(gated, intermediate, intermediate)
        self.down, self.mlp_norm = layer.mlp.wo, layer.mlp.layernorm

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        context = torch.onnx.ops.attention(self.query(hidden), self.key(hidden), self.value(hidden), bias,
                                           q_num_heads=self.heads, kv_num_heads=self.heads, scale=self.scale)[0]
        hidden = self.attention_norm(self.attention_out(context) + hidden)
        return self.mlp_norm(self.down(nn.functional.gelu(self.gate(hidden)) * self.up(hidden)) + hidden)


class FusedDnaBertS(nn.Module):
    """input_ids, attention_mask int64 [batch, tokens] -> last_hidden_state, as DnaBertS (padding zeroed)."""

    def __init__(self, model: DnaBertS):
        super().__init__()
        self.embeddings = model.embeddings
        self.encoder = model.encoder  # its attention_bias (padding + ALiBi, float32)
        self.layers = nn.ModuleList(_FusedLayer(layer) for layer in model.encoder.layer)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.embeddings(input_ids)
        bias = self.encoder.attention_bias(attention_mask).to(hidden.dtype)
        for layer in self.layers:
            hidden = layer(hidden, bias)
        return hidden * attention_mask[:, :, None].to(hidden.dtype)
