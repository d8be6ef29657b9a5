"""Resolve `--dna` / `--protein` / `--classifier` to loaded PyTorch models. Hub downloads fetch data files only."""
from __future__ import annotations

from pathlib import Path

from torch import nn

from .classifier import load_classifier
from .dnabert_s import DnaBertS, load_dnabert_s
from .esm2 import esm2_hidden_size, load_esm2

# Only configuration, tokenizer and weights: never the repository's Python files (no remote code runs).
DNA_FILES = ["config.json", "tokenizer.json", "model.safetensors", "pytorch_model.bin"]


def local_or_hub(source: str, files: list[str]) -> Path:
    path = Path(source)
    if path.exists():
        return path
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(repo_id=source, allow_patterns=files))


def dna_model(source: str) -> tuple[DnaBertS, Path]:
    """The DNABERT-S module and the folder holding its tokenizer.json."""
    folder = local_or_hub(source, DNA_FILES)
    if not (folder / "tokenizer.json").exists():
        raise FileNotFoundError(f"{folder}: no tokenizer.json (DNABERT-S folders ship one)")
    return load_dnabert_s(folder), folder


def protein_model(source: str) -> tuple[nn.Module, int]:
    model = load_esm2(source)
    return model, esm2_hidden_size(model)


def classifier_model(source: str) -> nn.Module:
    return load_classifier(Path(source))
