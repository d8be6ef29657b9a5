"""DNABERT-S (MosaicBERT / DNABERT-2 architecture) as a small PyTorch module that exports to ONNX.

Same maths as the published `bert_layers.py` of zhihan1996/DNABERT-S (and DNABERT-2-117M) with its
PyTorch attention path (no Triton), but computed on the padded batch instead of unpadding through custom
autograd functions, which ONNX export cannot trace. Submodule names mirror the published ones so the
published state dict loads as is (`embeddings.*`, `encoder.layer.N.attention.self.Wqkv.*`, ...).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from pathlib import Path

import torch
from torch import nn

# torch >= 2.0: one fused attention call, which the dynamo exporter turns into ONNX `Attention` (GPU exports).
_SDPA = getattr(nn.functional, "scaled_dot_product_attention", None)


@dataclass(frozen=True)
class DnaBertConfig:
    vocab_size: int = 4096
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    alibi_starting_size: int = 512

    @classmethod
    def from_json(cls, path: Path) -> "DnaBertConfig":
        raw = json.loads(Path(path).read_text())
        return cls(**{f.name: raw[f.name] for f in fields(cls) if f.name in raw})

    def to_json(self) -> dict:
        """config.json in the published layout (what the published code reads)."""
        return {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "attention_probs_dropout_prob": 0.0,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "max_position_embeddings": 512,
            **{f.name: getattr(self, f.name) for f in fields(self)},
        }


def alibi_slopes(n_heads: int) -> list[float]:
    """Per-head ALiBi slopes exactly as MosaicBERT's `_get_alibi_head_slopes` (non-powers of 2 included)."""

    def power_of_2(n: int) -> list[float]:
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        return [start * start**i for i in range(n)]

    if math.log2(n_heads).is_integer():
        return power_of_2(n_heads)
    closest = 2 ** math.floor(math.log2(n_heads))
    return power_of_2(closest) + alibi_slopes(2 * closest)[0::2][: n_heads - closest]


class BertEmbeddings(nn.Module):
    """Word + token-type (always type 0) embeddings and LayerNorm; no position embeddings (ALiBi)."""

    def __init__(self, config: DnaBertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        token_type = self.token_type_embeddings(torch.zeros_like(input_ids))
        return self.LayerNorm(self.word_embeddings(input_ids) + token_type)


class BertSelfAttention(nn.Module):
    def __init__(self, config: DnaBertConfig):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_size = config.hidden_size // config.num_attention_heads
        self.Wqkv = nn.Linear(config.hidden_size, 3 * config.hidden_size)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        batch, tokens, _ = hidden.shape
        # 'b s (t h d) -> b s t h d' as in the published code: q, k, v are the outer split.
        qkv = self.Wqkv(hidden).view(batch, tokens, 3, self.num_heads, self.head_size)
        q, k, v = (qkv[:, :, i].permute(0, 2, 1, 3) for i in range(3))
        if _SDPA is not None:
            # Same maths (scale 1/sqrt(head size), additive bias); the ALiBi bias rides as the attention mask.
            context = _SDPA(q, k, v, attn_mask=bias)
        else:
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + bias
            context = torch.matmul(torch.softmax(scores, dim=-1), v)
        return context.permute(0, 2, 1, 3).reshape(batch, tokens, self.num_heads * self.head_size)


class BertSelfOutput(nn.Module):
    def __init__(self, config: DnaBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(hidden) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: DnaBertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(hidden, bias), hidden)


class BertGatedLinearUnitMLP(nn.Module):
    """One Linear to 2 x intermediate; exact GELU on the FIRST half times the second half; Linear back; post-LN."""

    def __init__(self, config: DnaBertConfig):
        super().__init__()
        self.intermediate_size = config.intermediate_size
        self.gated_layers = nn.Linear(config.hidden_size, 2 * config.intermediate_size, bias=False)
        self.wo = nn.Linear(config.intermediate_size, config.hidden_size)
        self.layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        both = self.gated_layers(hidden)
        gated, non_gated = both[..., : self.intermediate_size], both[..., self.intermediate_size :]
        return self.layernorm(self.wo(nn.functional.gelu(gated) * non_gated) + hidden)


class BertLayer(nn.Module):
    def __init__(self, config: DnaBertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.mlp = BertGatedLinearUnitMLP(config)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.attention(hidden, bias))


class BertEncoder(nn.Module):
    def __init__(self, config: DnaBertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))
        # Derived from the config, never in a checkpoint; a plain constant, not a buffer, so that an fp16 copy of
        # the module still builds the bias in float32 and rounds it once (the slopes of 12 heads are irrational).
        self.slopes = tuple(alibi_slopes(config.num_attention_heads))

    def attention_bias(self, attention_mask: torch.Tensor) -> torch.Tensor:
        """Padding mask plus ALiBi, [batch, heads, tokens, tokens], float32.

        The published model builds the ALiBi table for 512 positions and rebuilds it at the batch length
        when a longer batch comes; its entries (-slope * |i - j|) do not depend on the table size, so building
        it from the runtime length gives the same values, and keeps the ONNX graph valid at any length.
        """
        tokens = attention_mask.shape[1]
        positions = torch.arange(tokens, device=attention_mask.device)
        distance = torch.abs(positions[None, :] - positions[:, None])
        slopes = torch.tensor(self.slopes, dtype=torch.float32, device=attention_mask.device)
        alibi = (slopes[:, None, None] * -distance).unsqueeze(0)
        padding = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        return padding + alibi

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        bias = self.attention_bias(attention_mask).to(hidden.dtype)
        for layer in self.layer:
            hidden = layer(hidden, bias)
        return hidden


class DnaBertS(nn.Module):
    """input_ids, attention_mask int64 [batch, tokens] -> last_hidden_state [batch, tokens, hidden].

    Padded positions come out as zeros, like the published model's re-padding.
    """

    def __init__(self, config: DnaBertConfig):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(self.embeddings(input_ids), attention_mask)
        return hidden * attention_mask[:, :, None].to(hidden.dtype)


# Checkpoint keys that are not part of the encoder we export: the MLM head (DNABERT-2 checkpoints) and the
# [CLS] pooler, which VirNucPro never uses (it mean-pools the last hidden state).
_UNUSED_PREFIXES = ("cls.", "pooler.")


def published_to_module_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Strip the `bert.` prefix of BertForMaskedLM checkpoints and drop the unused heads."""
    out = {}
    for key, value in state.items():
        key = key[len("bert.") :] if key.startswith("bert.") else key
        if not key.startswith(_UNUSED_PREFIXES):
            out[key] = value
    return out


def read_state_dict(folder: Path) -> dict[str, torch.Tensor]:
    """model.safetensors if present, else pytorch_model.bin loaded with weights_only (no code runs)."""
    folder = Path(folder)
    if (folder / "model.safetensors").exists():
        from safetensors.torch import load_file

        return load_file(str(folder / "model.safetensors"))
    if (folder / "pytorch_model.bin").exists():
        return torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
    raise FileNotFoundError(f"{folder}: no model.safetensors or pytorch_model.bin (is this a DNABERT-S folder?)")


def load_dnabert_s(folder: Path) -> DnaBertS:
    """Build the module from a DNABERT-S checkpoint folder (config.json + weights) in eval mode."""
    folder = Path(folder)
    model = DnaBertS(DnaBertConfig.from_json(folder / "config.json"))
    state = published_to_module_keys(read_state_dict(folder))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(
            f"{folder}: checkpoint does not match the DNABERT-S architecture "
            f"(missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]})"
        )
    return model.eval()


def save_published_checkpoint(model: DnaBertS, folder: Path, tokenizer_json: Path | None = None) -> None:
    """Write config.json + pytorch_model.bin in the published key layout (random-weight test checkpoints)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(model.config.to_json(), indent=2) + "\n")
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    if tokenizer_json is not None:
        (folder / "tokenizer.json").write_bytes(Path(tokenizer_json).read_bytes())
