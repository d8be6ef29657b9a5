"""Read a `torch.save` zip checkpoint resolving only allow-listed globals, without torch.load.

VirNucPro's `300_model.pth` / `500_model.pth` are whole pickled modules, so plain `torch.load` would run
whatever the file names. We do not pass a restricted module to `torch.load(pickle_module=...)`: torch 1.13.0
silently replaces it with the standard pickle whenever weights_only is False. Instead this module reads the zip
itself: its unpickler resolves only what such a file legitimately contains (tensor and parameter rebuilds, storage
types, OrderedDict/set, the classifier's torch.nn layer classes and a local stand-in for the original
`MLPClassifier`), and refuses anything else with an error naming the global, before importing or calling it.
"""
from __future__ import annotations

import collections
import io
import pickle
import sys
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn


class UnsafePickleError(pickle.UnpicklingError):
    """The file names a global outside the allow-list; nothing from it was imported or run."""


class StorageKind:
    """What a `torch.<Name>Storage` global stands for here: just its dtype."""

    def __init__(self, dtype: torch.dtype):
        self.dtype = dtype


def _rebuild_tensor(storage: torch.Tensor, offset: int, size, stride, requires_grad=False, *_ignored) -> torch.Tensor:
    return torch.as_strided(storage, tuple(size), tuple(stride), offset).clone()


def _rebuild_parameter(data: torch.Tensor, requires_grad: bool, *_ignored) -> nn.Parameter:
    return nn.Parameter(data, requires_grad=requires_grad)


STORAGE_DTYPES = {"FloatStorage": torch.float32, "DoubleStorage": torch.float64, "HalfStorage": torch.float16,
                  "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
                  "BoolStorage": torch.bool}

ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("__builtin__", "set"): set,  # protocol-2 pickles name builtins the Python 2 way
    ("torch.nn.modules.linear", "Linear"): nn.Linear,
    ("torch.nn.modules.batchnorm", "BatchNorm1d"): nn.BatchNorm1d,
    ("torch.nn.modules.dropout", "Dropout"): nn.Dropout,
    **{("torch", name): StorageKind(dtype) for name, dtype in STORAGE_DTYPES.items()},
}

# Filled in by classifier.py: ("__main__", "MLPClassifier") -> its stand-in class.
STAND_INS: dict[tuple[str, str], type] = {}


class Unpickler(pickle.Unpickler):
    def __init__(self, file, archive: zipfile.ZipFile, data_prefix: str):
        super().__init__(file, encoding="utf-8")
        self.archive = archive
        self.data_prefix = data_prefix
        self.storages: dict[str, torch.Tensor] = {}

    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        if key in ALLOWED_GLOBALS:
            return ALLOWED_GLOBALS[key]
        if key in STAND_INS:
            return STAND_INS[key]
        raise UnsafePickleError(
            f"refusing to load global '{module}.{name}': a VirNucPro classifier checkpoint holds only torch "
            f"tensors and MLPClassifier(Linear, BatchNorm1d, Dropout); this file is something else or was tampered with"
        )

    def persistent_load(self, saved_id) -> torch.Tensor:
        """('storage', kind, key, location, numel) -> a flat tensor over the zip record data/<key>."""
        if not (isinstance(saved_id, tuple) and saved_id[:1] == ("storage",) and isinstance(saved_id[1], StorageKind)):
            raise UnsafePickleError(f"unexpected persistent id {saved_id!r:.80}")
        kind, key = saved_id[1], str(saved_id[2])
        if key not in self.storages:
            raw = bytearray(self.archive.read(f"{self.data_prefix}data/{key}"))
            self.storages[key] = (torch.frombuffer(raw, dtype=kind.dtype) if raw
                                  else torch.empty(0, dtype=kind.dtype))
        return self.storages[key]


def load_checkpoint(path: Path) -> Any:
    """Unpickle a torch >= 1.6 zip checkpoint with the allow-list above (older formats are refused)."""
    if not zipfile.is_zipfile(path):
        raise UnsafePickleError(f"{path}: not a torch zip checkpoint (torch >= 1.6 format); refusing to unpickle it")
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise UnsafePickleError(f"{path}: expected one data.pkl in the archive, found {len(pickles)}")
        prefix = pickles[0][: -len("data.pkl")]
        byteorder = f"{prefix}byteorder"
        if byteorder in archive.namelist() and archive.read(byteorder).decode() != sys.byteorder:
            raise UnsafePickleError(f"{path}: saved on a {archive.read(byteorder).decode()}-endian machine")
        return Unpickler(io.BytesIO(archive.read(pickles[0])), archive, prefix).load()
