"""Random-weight models with the real architectures: fixture, demo and benchmark shapes."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from virnucpro_export.classifier import MLPClassifier, random_classifier
from virnucpro_export.dnabert_s import DnaBertConfig, DnaBertS
from virnucpro_export.esm2 import random_esm2, wrap_esm2


@dataclass(frozen=True)
class Shapes:
    dna: DnaBertConfig
    esm_layers: int
    esm_hidden: int
    esm_heads: int
    esm_intermediate: int
    classifier_hidden: int = 512


# 6 DNA heads: like the real 12, not a power of two, so the ALiBi slope workaround branch is exercised.
FIXTURE = Shapes(DnaBertConfig(hidden_size=48, num_hidden_layers=2, num_attention_heads=6, intermediate_size=96),
                 esm_layers=2, esm_hidden=64, esm_heads=4, esm_intermediate=128)
DEMO = Shapes(DnaBertConfig(vocab_size=256, hidden_size=48, num_hidden_layers=2, num_attention_heads=6,
                            intermediate_size=96),
              esm_layers=2, esm_hidden=32, esm_heads=4, esm_intermediate=64, classifier_hidden=64)
# Benchmark-only (not committed): ESM-2 t6_8M's shape and a full-size DNABERT-S.
BENCH = Shapes(DnaBertConfig(), esm_layers=6, esm_hidden=320, esm_heads=20, esm_intermediate=1280)


def randomize_(model: nn.Module, seed: int) -> nn.Module:
    """Deterministic weights, independent of library init code: N(0, 0.1) matrices, LayerNorm gains near 1."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            noise = torch.randn(parameter.shape, generator=generator)
            is_norm = "norm" in name.lower()
            if is_norm and name.endswith("weight"):
                parameter.copy_(1.0 + 0.1 * noise)
            else:
                parameter.copy_((0.1 if parameter.dim() > 1 else 0.05) * noise)
    return model.eval()


@dataclass
class ModelSet:
    dna: DnaBertS
    esm_raw: nn.Module  # the EsmModel itself (save_pretrained)
    protein: nn.Module  # (input_ids, attention_mask) -> last_hidden_state

    def classifier(self, seed: int, hidden: int) -> MLPClassifier:
        return random_classifier(self.dna.config.hidden_size + int(self.esm_raw.config.hidden_size), seed, hidden)


def build(shapes: Shapes, seed: int) -> ModelSet:
    dna = randomize_(DnaBertS(shapes.dna), seed)
    esm = randomize_(random_esm2(shapes.esm_layers, shapes.esm_hidden, shapes.esm_heads, shapes.esm_intermediate),
                     seed + 1)
    return ModelSet(dna, esm, wrap_esm2(esm))
