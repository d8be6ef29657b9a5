"""torch -> ONNX for the three bundle models, with dynamic batch/token axes, external data and fp16."""
from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

import onnx
import torch
from torch import nn

from .pooling import POOLING

OPSET = 17
# protobuf cannot hold a single file over 2 GiB; above this the weights go to one `<name>.data` file beside it.
EXTERNAL_DATA_THRESHOLD = 1536 * 1024 * 1024


class WithPooled(nn.Module):
    """Adds the bundle's pooled output [batch, hidden] next to last_hidden_state (manifest `pooledOutput`)."""

    def __init__(self, encoder: nn.Module, pooling: str):
        super().__init__()
        self.encoder = encoder
        self.pool = POOLING[pooling]

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        hidden = self.encoder(input_ids, attention_mask)
        return hidden, self.pool(hidden, attention_mask)


def _export(module: nn.Module, args: tuple, path: Path, input_names: list[str], output_names: list[str],
            dynamic_axes: dict) -> None:
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter: same graphs from torch 1.13 to 2.x
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True, **kwargs)
    module.eval()  # the exporter can leave modules in training mode (platform notes)


def export_encoder(model: nn.Module, path: Path, pooling: str | None = None, force_external: bool = False) -> list[str]:
    """Export (input_ids, attention_mask) -> last_hidden_state [+ pooled]. Returns the external-data files written."""
    module = (WithPooled(model, pooling) if pooling else model).eval()
    # Two rows, the second right-padded, so the trace sees a real mask; ids 5..24 exist in both vocabularies.
    input_ids = torch.arange(5, 19, dtype=torch.int64).reshape(2, 7)
    attention_mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3], dtype=torch.int64)
    outputs = ["last_hidden_state"] + (["pooled"] if pooling else [])
    axes = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "last_hidden_state")}
    if pooling:
        axes["pooled"] = {0: "batch"}
    return _export_via_tmp(module, (input_ids, attention_mask), Path(path), ["input_ids", "attention_mask"],
                           outputs, axes, force_external)


def export_classifier(model: nn.Module, path: Path) -> list[str]:
    """features float32 [n, width] -> logits [n, 2] (others, virus), BatchNorm with running statistics."""
    model.eval()
    width = model.hidden_layer.in_features
    return _export_via_tmp(model, (torch.zeros(3, width),), Path(path), ["features"], ["logits"],
                           {"features": {0: "n"}, "logits": {0: "n"}}, False)


def _export_via_tmp(module, args, path: Path, input_names, output_names, axes, force_external: bool) -> list[str]:
    """Export into a scratch folder (large exports scatter one file per tensor), then save tidily at `path`."""
    with tempfile.TemporaryDirectory(prefix="virnucpro-export-") as scratch:
        raw = Path(scratch) / "model.onnx"
        _export(module, args, raw, input_names, output_names, axes)
        model = onnx.load(str(raw))
        return save_onnx(model, path, force_external)


def save_onnx(model: onnx.ModelProto, path: Path, force_external: bool = False) -> list[str]:
    """Save one .onnx (+ one `<name>.data` when large). Returns the external-data file names written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    external = force_external or model.ByteSize() > EXTERNAL_DATA_THRESHOLD
    data_name = path.name + ".data"
    if (path.parent / data_name).exists():
        (path.parent / data_name).unlink()
    if external:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data_name, size_threshold=1024)
        onnx.checker.check_model(str(path))
        return [data_name]
    onnx.save_model(model, str(path))
    onnx.checker.check_model(model)
    return []


def convert_to_fp16(path: Path, force_external: bool = False) -> list[str]:
    """fp32 ONNX -> fp16 weights and compute, inputs/outputs kept fp32 (for GPU providers).

    Converting the exported fp32 graph works where exporting a `.half()` module does not (platform notes).
    """
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = onnx.load(str(path))
    large = model.ByteSize() > EXTERNAL_DATA_THRESHOLD
    converted = convert_float_to_float16(model, keep_io_types=True, disable_shape_infer=large)
    return save_onnx(converted, path, force_external)
