"""Write a model bundle: the three ONNX files, the DNA tokenizer, and manifest.json (docs/model-bundle.md)."""
from __future__ import annotations

import datetime
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

from . import TOOL_NAME
from .onnx_export import export_classifier, export_encoder

DNA_ONNX = "dnabert_s.onnx"
DNA_TOKENIZER = "dnabert_s_tokenizer.json"
PROTEIN_ONNX = "esm2.onnx"


@dataclass
class BundleOptions:
    chunk_length: int
    name: str
    fp16: bool = False
    pooled_outputs: bool = False
    force_external_data: bool = False
    meaningless: bool = False
    # Manifest value of dna.tokenizer; fixture bundles name a file the tests add ("tokenizer.json").
    dna_tokenizer_name: str = DNA_TOKENIZER
    provenance: dict[str, str] = field(default_factory=dict)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def library_versions() -> dict[str, str]:
    import importlib.metadata as metadata

    versions = {}
    for package in ("torch", "transformers", "tokenizers", "onnx", "onnxruntime", "safetensors"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return versions


def write_bundle(out: Path, dna: nn.Module, dna_hidden: int, dna_tokenizer: Path | None, protein: nn.Module,
                 protein_hidden: int, classifier: nn.Module, options: BundleOptions, log=print) -> dict:
    """Export everything into `out` and write its manifest. `dna_tokenizer` None leaves the file to the user."""
    out.mkdir(parents=True, exist_ok=True)
    width = classifier.hidden_layer.in_features
    if width != dna_hidden + protein_hidden:
        raise ValueError(f"classifier input width {width} != DNA hidden {dna_hidden} + protein hidden {protein_hidden}")
    external: dict[str, list[str]] = {}
    for label, onnx_name, model, pooling in (("dna", DNA_ONNX, dna, "mean"),
                                             ("protein", PROTEIN_ONNX, protein, "mean-residues")):
        log(f"[INFO] exporting {label} model to {out / onnx_name}{' (fp16)' if options.fp16 else ''}")
        external[label] = export_encoder(model, out / onnx_name, pooling if options.pooled_outputs else None,
                                         options.force_external_data, fp16=options.fp16)
    classifier_onnx = f"classifier_{options.chunk_length}.onnx"
    log(f"[INFO] exporting classifier to {out / classifier_onnx}")
    export_classifier(classifier, out / classifier_onnx)  # tiny: always fp32
    if dna_tokenizer is not None and dna_tokenizer.resolve() != (out / options.dna_tokenizer_name).resolve():
        shutil.copyfile(dna_tokenizer, out / options.dna_tokenizer_name)

    def encoder_entry(onnx_name: str, tokenizer: str, hidden: int, pooling: str, files: list[str]) -> dict:
        entry = {"onnx": onnx_name, "tokenizer": tokenizer, "hiddenSize": hidden, "pooling": pooling}
        if files:
            entry["externalData"] = files
        if options.pooled_outputs:
            entry["pooledOutput"] = "pooled"
        return entry

    manifest = {
        "format": "virnucpro-bundle",
        "formatVersion": 1,
        "name": options.name,
        "chunkLength": options.chunk_length,
        "dna": encoder_entry(DNA_ONNX, options.dna_tokenizer_name, dna_hidden, "mean", external["dna"]),
        "protein": encoder_entry(PROTEIN_ONNX, "esm2", protein_hidden, "mean-residues", external["protein"]),
        "classifier": {"onnx": classifier_onnx, "inputWidth": width, "input": "features", "output": "logits"},
        "meaningless": options.meaningless,
        "provenance": {
            "tool": TOOL_NAME,
            "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "precision": "fp16" if options.fp16 else "fp32",
            **{f"library.{k}": v for k, v in library_versions().items()},
            **options.provenance,
        },
    }
    files = [DNA_ONNX, PROTEIN_ONNX, classifier_onnx, *external["dna"], *external["protein"]]
    if dna_tokenizer is not None:
        files.append(options.dna_tokenizer_name)
    manifest["checksums"] = {name: sha256(out / name) for name in files}
    write_manifest(out, manifest)
    return manifest


def write_manifest(out: Path, manifest: dict, filename: str = "manifest.json") -> None:
    (out / filename).write_text(json.dumps(manifest, indent=2) + "\n")


def read_manifest(bundle: Path) -> dict:
    manifest = json.loads((bundle / "manifest.json").read_text())
    if manifest.get("format") != "virnucpro-bundle":
        raise ValueError(f"{bundle}/manifest.json is not a virnucpro bundle manifest")
    return manifest
