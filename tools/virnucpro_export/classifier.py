"""VirNucPro's MLP classifier: safe loading of the published whole-module pickles, and a clean rebuild.

Architecture (prediction.py / train.py of Li-Jing-1997/VirNucPro): hidden_layer Linear(3328->512), bn1
BatchNorm1d(512), ReLU, dropout Dropout(0.5), output_layer Linear(512->2). Output: logits (others, virus).
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from . import safe_pickle


class MLPClassifier(nn.Module):
    """Same attribute names and forward as the original, so its pickles and state dicts map one to one."""

    def __init__(self, input_dim: int = 3328, hidden_dim: int = 512, num_class: int = 2):
        super().__init__()
        self.hidden_layer = nn.Linear(input_dim, hidden_dim)
        self.bn1 = nn.BatchNorm1d(hidden_dim)
        self.output_layer = nn.Linear(hidden_dim, num_class)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn1(self.hidden_layer(x)))
        return self.output_layer(self.dropout(x))


# The original was trained and saved from a script run as __main__, so its pickles name __main__.MLPClassifier.
PICKLED_AS = ("__main__", "MLPClassifier")
safe_pickle.STAND_INS[PICKLED_AS] = MLPClassifier


def load_classifier(path: Path) -> MLPClassifier:
    """Load a whole-module `.pth` without running code from it, check its shape, rebuild it in eval mode."""
    loaded = safe_pickle.load_checkpoint(Path(path))
    if not isinstance(loaded, MLPClassifier):
        raise ValueError(f"{path}: expected a pickled MLPClassifier, found {type(loaded).__name__}")
    state = loaded.state_dict()
    input_dim, hidden_dim = _shape(state, "hidden_layer.weight", path)[::-1]
    num_class = _shape(state, "output_layer.weight", path)[0]
    if num_class != 2:
        raise ValueError(f"{path}: classifier has {num_class} outputs, VirNucPro's has 2 (others, virus)")
    model = MLPClassifier(input_dim, hidden_dim, num_class)
    model.load_state_dict(state, strict=True)
    return model.eval()


def _shape(state: dict[str, torch.Tensor], key: str, path: Path) -> tuple[int, ...]:
    if key not in state:
        raise ValueError(f"{path}: classifier state has no '{key}'")
    return tuple(state[key].shape)


def random_classifier(input_dim: int, seed: int, hidden_dim: int = 512) -> MLPClassifier:
    """Random weights at the original's xavier scale, non-trivial BatchNorm running statistics (fixtures, tests)."""
    generator = torch.Generator().manual_seed(seed)
    model = MLPClassifier(input_dim, hidden_dim)

    def normal(shape, std):
        return torch.randn(shape, generator=generator) * std

    with torch.no_grad():
        for layer in (model.hidden_layer, model.output_layer):
            fan_out, fan_in = layer.weight.shape
            layer.weight.copy_(normal(layer.weight.shape, (2.0 / (fan_in + fan_out)) ** 0.5))
            layer.bias.copy_(normal(layer.bias.shape, 0.05))
        model.bn1.weight.copy_(1.0 + normal(hidden_dim, 0.1))
        model.bn1.bias.copy_(normal(hidden_dim, 0.1))
        model.bn1.running_mean.copy_(normal(hidden_dim, 0.1))
        model.bn1.running_var.copy_(torch.rand(hidden_dim, generator=generator) + 0.5)
        model.bn1.num_batches_tracked.fill_(1000)
    return model.eval()


def save_like_original(model: MLPClassifier, path: Path) -> None:
    """torch.save the whole module the way train.py did, pickled as __main__.MLPClassifier."""
    import sys

    main = sys.modules["__main__"]
    previous = getattr(main, PICKLED_AS[1], None)
    original_module = MLPClassifier.__module__
    MLPClassifier.__module__ = PICKLED_AS[0]
    setattr(main, PICKLED_AS[1], MLPClassifier)
    try:
        torch.save(model, Path(path))
    finally:
        MLPClassifier.__module__ = original_module
        if previous is None:
            delattr(main, PICKLED_AS[1])
        else:
            setattr(main, PICKLED_AS[1], previous)
