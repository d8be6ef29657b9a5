#!/usr/bin/env python3
"""Compare virnucpro_export's DNABERT-S module with the published modelling code on the same random weights.

  crosscheck_dnabert.py --published DIR

DIR holds the published `bert_layers.py` and `configuration_bert.py` (zhihan1996/DNABERT-S or DNABERT-2-117M;
not part of this repository). Its unpadding autograd functions are replaced by the plain-indexing
`bert_padding` below and its Triton flash-attention import is left unresolved, so its PyTorch attention path
runs. Needs transformers and einops. Prints max |diff| of last_hidden_state, one at a time and padded.
"""
from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import types
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from virnucpro_export.dnabert_s import DnaBertConfig, DnaBertS  # noqa: E402
from virnucpro_export.verify import pad_batch, sample_rows  # noqa: E402
from virnucpro_fixtures.models import randomize_  # noqa: E402

PLAIN_BERT_PADDING = '''
import torch


def index_first_axis(x, indices):
    return x.reshape(x.shape[0], -1)[indices].reshape(-1, *x.shape[1:])


def index_put_first_axis(values, indices, first_axis_dim):
    out = torch.zeros(first_axis_dim, *values.shape[1:], dtype=values.dtype, device=values.device)
    out[indices] = values
    return out


def unpad_input(hidden_states, attention_mask):
    seqlens = attention_mask.sum(dim=-1, dtype=torch.int32)
    indices = torch.nonzero(attention_mask.flatten(), as_tuple=False).flatten()
    cu_seqlens = torch.nn.functional.pad(torch.cumsum(seqlens, dim=0, dtype=torch.int32), (1, 0))
    flat = hidden_states.reshape(-1, *hidden_states.shape[2:])
    return index_first_axis(flat, indices), indices, cu_seqlens, int(seqlens.max().item())


def unpad_input_only(hidden_states, attention_mask):
    indices = torch.nonzero(attention_mask.flatten(), as_tuple=False).flatten()
    return index_first_axis(hidden_states.reshape(-1, *hidden_states.shape[2:]), indices)


def pad_input(hidden_states, indices, batch, seqlen):
    out = index_put_first_axis(hidden_states, indices, batch * seqlen)
    return out.reshape(batch, seqlen, *hidden_states.shape[1:])
'''


def import_published(folder: Path) -> types.ModuleType:
    package = Path(tempfile.mkdtemp(prefix="published-dnabert-")) / "published_dnabert"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bert_padding.py").write_text(PLAIN_BERT_PADDING)
    for name in ("bert_layers.py", "configuration_bert.py"):
        shutil.copyfile(folder / name, package / name)
    sys.path.insert(0, str(package.parent))
    return importlib.import_module("published_dnabert.bert_layers")


def published_forward(layers: types.ModuleType, config: DnaBertConfig, state: dict):
    """The published BertModel.forward path: embeddings(ids, zero token types) -> encoder(mask)[-1]."""
    settings = types.SimpleNamespace(**config.to_json(), pad_token_id=0)  # to_json sets attention dropout 0
    embeddings, encoder = layers.BertEmbeddings(settings), layers.BertEncoder(settings)
    for prefix, module in (("embeddings.", embeddings), ("encoder.", encoder)):
        module.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}, strict=True)
        module.eval()

    def forward(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = embeddings(ids, torch.zeros_like(ids))
        return encoder(hidden, mask, output_all_encoded_layers=False)[-1]

    return forward


def compare(layers: types.ModuleType, config: DnaBertConfig, seed: int) -> dict[str, float]:
    ours = randomize_(DnaBertS(config), seed)
    theirs = published_forward(layers, config, ours.state_dict())
    rows = [torch.from_numpy(r) for r in sample_rows((3, 17, 130, 530), 5, config.vocab_size - 1, 1, 2, seed)]
    single = 0.0
    with torch.no_grad():
        for row in rows:
            ones = torch.ones_like(row)[None]
            single = max(single, float((ours(row[None], ones) - theirs(row[None], ones)).abs().max()))
        ids, mask = (torch.from_numpy(a) for a in pad_batch([r.numpy() for r in rows], 3))
        padded = float((ours(ids, mask) - theirs(ids, mask)).abs().max())
    return {"one_at_a_time": single, "padded_batch": padded}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--published", required=True, type=Path)
    args = parser.parse_args()
    layers = import_published(args.published)
    worst = 0.0
    for label, config in (("fixture shape (2 layers, 48 hidden, 6 heads)",
                           DnaBertConfig(hidden_size=48, num_hidden_layers=2, num_attention_heads=6, intermediate_size=96)),
                          ("DNABERT-S shape (12 layers, 768 hidden, 12 heads)", DnaBertConfig())):
        diffs = compare(layers, config, 11)
        worst = max(worst, *diffs.values())
        print(f"[INFO] {label}: max |diff| last_hidden_state " + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
