"""Random-weight models with the real architectures: fixture, demo and benchmark shapes."""
from __future__ import annotations

import contextlib
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
# Benchmark-only (not committed): a full-size DNABERT-S and ESM-2 shapes (layers, hidden, heads, intermediate)
# from t6_8M to the real t36_3B, each with its own fixed seed so that every process rebuilds the same weights.
BENCH_ESM_SHAPES = {
    "esm-8M": (6, 320, 20, 1280),
    "esm-650M": (33, 1280, 20, 5120),
    "esm-3B": (36, 2560, 40, 10240),
}
BENCH_SEEDS = {"dnabert": 20261137, "esm": 20261138}
# Real models are initialised at std 0.02 (Hugging Face's initializer_range); the fixtures' 0.1 would overflow
# fp16 activations through 36 layers of 2560 channels.
BENCH_STD = 0.02


def randomize_(model: nn.Module, seed: int, matrix_std: float = 0.1) -> nn.Module:
    """Deterministic weights, independent of library init code: N(0, matrix_std) matrices, LayerNorm gains near 1.
    Drawn on the model's device (a 3B model is built in seconds on a GPU, minutes on a CPU)."""
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            noise = torch.randn(parameter.shape, generator=generator, device=device)
            is_norm = "norm" in name.lower()
            if is_norm and name.endswith("weight"):
                parameter.copy_(1.0 + 0.1 * noise)
            else:
                parameter.copy_((matrix_std if parameter.dim() > 1 else matrix_std / 2) * noise)
    return model.eval()


def bench_encoder(model: str, esm_shape: str = "esm-8M", device: str = "cpu") -> nn.Module:
    """(input_ids, attention_mask) -> last_hidden_state: full-size DNABERT-S (`dnabert`) or an ESM-2 shape
    (`esm`), seeded weights, built directly on `device`."""
    if model == "dnabert":
        return bench_dnabert(device)
    return wrap_esm2(bench_esm2(esm_shape, device))


def _on(device: str):
    # torch.device as a context needs torch >= 2.0; Debian's 1.13 builds on the CPU anyway.
    return contextlib.nullcontext() if device == "cpu" else torch.device(device)


def bench_dnabert(device: str = "cpu") -> DnaBertS:
    """Full-size DNABERT-S with the benchmark seed, built on `device`."""
    with _on(device):
        return randomize_(DnaBertS(DnaBertConfig()), BENCH_SEEDS["dnabert"], BENCH_STD)


def bench_esm2(esm_shape: str, device: str = "cpu") -> nn.Module:
    """The Hugging Face EsmModel of an ESM-2 shape with the benchmark seed, built on `device`."""
    layers, hidden, heads, intermediate = BENCH_ESM_SHAPES[esm_shape]
    with _on(device):
        return randomize_(random_esm2(layers, hidden, heads, intermediate), BENCH_SEEDS["esm"], BENCH_STD)


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
