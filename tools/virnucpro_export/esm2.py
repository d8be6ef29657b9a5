"""ESM-2 through Hugging Face `EsmModel` (any size), plus the 33-token ESM alphabet used to tokenize proteins."""
from __future__ import annotations

import torch
from torch import nn

# fair-esm / Hugging Face ESM-2 vocabulary, in id order (VirNucPro semantics §6).
ESM_ALPHABET = (
    ["<cls>", "<pad>", "<eos>", "<unk>"]
    + list("LAGVSERTIDPKQNFYMHWCXBUZO.-")
    + ["<null_1>", "<mask>"]
)
CLS, PAD, EOS, UNK = 0, 1, 2, 3
_RESIDUE_IDS = {token: i for i, token in enumerate(ESM_ALPHABET) if len(token) == 1}


def esm_token_ids(protein: str) -> list[int]:
    """<cls> + one id per residue + <eos>; letters outside the alphabet become <unk>."""
    return [CLS] + [_RESIDUE_IDS.get(residue, UNK) for residue in protein] + [EOS]


class LastHiddenState(nn.Module):
    """(input_ids, attention_mask) -> last_hidden_state, the bundle interface around a Hugging Face encoder."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def follow_runtime_length(model: nn.Module) -> None:
    """Make every rotary table be rebuilt on each call, in float32, then cast to the activations' dtype.

    EsmModel caches cos/sin tables per sequence length; a trace taken while the cache holds the traced length
    bakes the tables in as constants and the ONNX graph is then wrong at every other length. In an fp16 copy the
    frequencies stay float32 (only parameters are converted), so angles keep full precision at any length.
    The class is swapped rather than the method patched on the instance, so deep copies follow too.
    """
    for module in model.modules():
        if hasattr(module, "_update_cos_sin_tables") and not getattr(module, "_follows_runtime_length", False):
            module.__class__ = _uncached(type(module))


_UNCACHED: dict[type, type] = {}


def _uncached(cls: type) -> type:
    if cls not in _UNCACHED:
        def _update_cos_sin_tables(self, x, *args, **kwargs):
            self._seq_len_cached = None
            cos, sin = cls._update_cos_sin_tables(self, x, *args, **kwargs)
            return cos.to(x.dtype), sin.to(x.dtype)

        _UNCACHED[cls] = type(f"Uncached{cls.__name__}", (cls,),
                              {"_update_cos_sin_tables": _update_cos_sin_tables, "_follows_runtime_length": True})
    return _UNCACHED[cls]


def load_esm2(source: str) -> LastHiddenState:
    """EsmModel from a local folder or hub id (weights only; no remote code), eager attention, eval mode."""
    from transformers import EsmModel

    model = EsmModel.from_pretrained(source, add_pooling_layer=False, attn_implementation="eager")
    # float32 whatever the checkpoint stores (transformers >= 5 loads a checkpoint's own dtype): the export and
    # its verify step take this module as the float32 reference.
    return wrap_esm2(model.float())


def wrap_esm2(model: nn.Module) -> LastHiddenState:
    follow_runtime_length(model)
    return LastHiddenState(model).eval()


def esm2_hidden_size(model: LastHiddenState) -> int:
    return int(model.encoder.config.hidden_size)


def random_esm2(layers: int, hidden: int, heads: int, intermediate: int) -> nn.Module:
    """EsmModel with ESM-2's settings (rotary, token dropout, final layer norm, 33 tokens), library-initialised."""
    from transformers import EsmConfig, EsmModel

    config = EsmConfig(
        vocab_size=len(ESM_ALPHABET), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=intermediate, hidden_act="gelu", hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, max_position_embeddings=1026, layer_norm_eps=1e-5,
        position_embedding_type="rotary", token_dropout=True, emb_layer_norm_before=False,
        mask_token_id=ESM_ALPHABET.index("<mask>"), pad_token_id=PAD,
    )
    model = EsmModel(config, add_pooling_layer=False)
    model.config._attn_implementation = "eager"
    return model.eval()
