"""torch -> ONNX for the three bundle models, with dynamic batch/token axes, external data and fp16.

Two routes for the encoders:
- fp32 (CPU bundles): the TorchScript exporter at opset 17, proven from torch 1.13 to 2.x.
- fp16 (GPU bundles): the module itself in fp16, exported by the dynamo exporter at opset 24, where
  `scaled_dot_product_attention` becomes one ONNX `Attention` node (a fused kernel on CUDA; both encoders are
  traced in forms written in single-kernel ops, see fused_export_form), GELU stays exact,
  and the outputs are cast back to float32 inside the graph, the pooled mean summed in float32
  (docs/gpu.md has the measurements behind each choice). Without a dynamo-capable torch the fp16 route falls
  back to converting the fp32 export (correct, slower on CUDA) and says so.
"""
from __future__ import annotations

import copy
import inspect
import tempfile
import warnings
from pathlib import Path

import onnx
import torch
from torch import nn

from .dnabert_fused import FusedDnaBertS, fused_dnabert_supported
from .dnabert_s import DnaBertS
from .esm2_fused import FusedEsm2, fused_esm2_supported
from .pooling import POOLING

OPSET = 17
# The first opset with the `Attention` op the dynamo exporter maps scaled_dot_product_attention to.
FUSED_OPSET = 24
# protobuf cannot hold a single file over 2 GiB; above this the weights go to one `<name>.data` file beside it.
EXTERNAL_DATA_THRESHOLD = 1536 * 1024 * 1024


class EncoderOutputs(nn.Module):
    """The bundle interface: last_hidden_state float32, plus the pooled output [batch, hidden] when `pooling` is
    given (manifest `pooledOutput`). An fp16 encoder's states are cast to float32 first, so the mean is summed
    in float32 like virnucpro's own pooling (a no-op for an fp32 encoder)."""

    def __init__(self, encoder: nn.Module, pooling: str | None):
        super().__init__()
        self.encoder = encoder
        self.pool = POOLING[pooling] if pooling else None

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        hidden = self.encoder(input_ids, attention_mask).float()
        return hidden if self.pool is None else (hidden, self.pool(hidden, attention_mask))


def dynamo_exporter_available() -> bool:
    """torch.onnx.export(dynamo=True) with onnxscript, recent enough for opset 24 (torch >= 2.9)."""
    if "dynamo" not in inspect.signature(torch.onnx.export).parameters:
        return False
    try:
        import onnxscript  # noqa: F401
    except ImportError:
        return False
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return (major, minor) >= (2, 9)


def fp16_copy(model: nn.Module) -> nn.Module:
    """A deep copy with every parameter in fp16, made tensor by tensor: the fp32 original stays intact (verify
    compares against it) and no second fp32 copy of a 3B model is ever held. Buffers keep their dtype (ESM-2's
    rotary frequencies stay float32; esm2.follow_runtime_length casts the tables)."""
    memo: dict[int, object] = {
        id(p): nn.Parameter(p.detach().to(torch.float16), requires_grad=False)
        for p in model.parameters() if p.is_floating_point()
    }
    return copy.deepcopy(model, memo).eval()


def use_fused_attention(model: nn.Module) -> None:
    """Hugging Face encoders (ESM-2) pick their attention at run time from the config: select SDPA.
    Our DNABERT-S module always calls scaled_dot_product_attention where torch has it."""
    for module in model.modules():
        config = getattr(module, "config", None)
        if config is not None and hasattr(config, "_attn_implementation"):
            config._attn_implementation = "sdpa"


def _export(module: nn.Module, args: tuple, path: Path, input_names: list[str], output_names: list[str],
            dynamic_axes: dict) -> None:
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter: same graphs from torch 1.13 to 2.x
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True, **kwargs)
    module.eval()  # the exporter can leave modules in training mode (platform notes)


def export_encoder(model: nn.Module, path: Path, pooling: str | None = None, force_external: bool = False,
                   fp16: bool = False) -> list[str]:
    """Export (input_ids, attention_mask) -> last_hidden_state [+ pooled], float32 outputs, fp16 compute when
    `fp16`. Returns the external-data files written."""
    path = Path(path)
    if fp16 and dynamo_exporter_available():
        return _export_fused_fp16(model, path, pooling, force_external)
    if fp16:
        warnings.warn(f"torch {torch.__version__} has no dynamo ONNX exporter (torch >= 2.9 with onnxscript): "
                      "converting the fp32 export to fp16 instead, which runs markedly slower on CUDA")
    module = EncoderOutputs(model, pooling).eval()
    input_ids, attention_mask = _sample_inputs(next(model.parameters()).device)
    outputs, axes = _encoder_outputs(pooling)
    written = _export_via_tmp(module, (input_ids, attention_mask), path, ["input_ids", "attention_mask"],
                              outputs, axes, force_external)
    return convert_to_fp16(path, force_external) if fp16 else written


def _sample_inputs(device) -> tuple[torch.Tensor, torch.Tensor]:
    """Two rows, the second right-padded, so the trace sees a real mask; ids 5..24 exist in both vocabularies."""
    input_ids = torch.arange(5, 19, dtype=torch.int64, device=device).reshape(2, 7)
    attention_mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3], dtype=torch.int64, device=device)
    return input_ids, attention_mask


def _encoder_outputs(pooling: str | None) -> tuple[list[str], dict]:
    outputs = ["last_hidden_state"] + (["pooled"] if pooling else [])
    axes = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "last_hidden_state")}
    if pooling:
        axes["pooled"] = {0: "batch"}
    return outputs, axes


def fused_export_form(model: nn.Module) -> nn.Module:
    """What the fused fp16 export traces: the encoder rewritten in single-kernel ONNX ops (dnabert_fused,
    esm2_fused) where this torch has them, else the module itself (its SDPA still becomes `Attention`)."""
    if isinstance(model, DnaBertS) and fused_dnabert_supported():
        return FusedDnaBertS(model)
    encoder = getattr(model, "encoder", None)  # esm2.LastHiddenState around an EsmModel
    if encoder is not None and fused_esm2_supported(encoder):
        return FusedEsm2(encoder)
    return model


def _export_fused_fp16(model: nn.Module, path: Path, pooling: str | None, force_external: bool) -> list[str]:
    half = fp16_copy(model)
    use_fused_attention(half)
    module = EncoderOutputs(fused_export_form(half), pooling).eval()
    device = next(model.parameters()).device
    outputs, axes = _encoder_outputs(pooling)
    with torch.no_grad():
        program = torch.onnx.export(module, _sample_inputs(device), dynamo=True, opset_version=FUSED_OPSET,
                                    input_names=["input_ids", "attention_mask"], output_names=outputs,
                                    dynamic_axes=axes, optimize=True)
    weight_bytes = sum(t.numel() * t.element_size() for t in half.parameters())
    external = force_external or weight_bytes > EXTERNAL_DATA_THRESHOLD
    path.parent.mkdir(parents=True, exist_ok=True)
    data_name = path.name + ".data"
    if (path.parent / data_name).exists():
        (path.parent / data_name).unlink()
    # ONNXProgram.save writes the weights to `<file>.data` beside the model when external_data is set.
    program.save(str(path), external_data=external)
    onnx.checker.check_model(str(path))
    del program, module, half
    return [data_name] if external else []


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
