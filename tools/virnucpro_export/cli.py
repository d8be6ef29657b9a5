"""`export_bundle.py [export options]` and `export_bundle.py verify ...` (docs/export.md)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import sources
from .bundle import BundleOptions, sha256, write_bundle
from .verify import verify_bundle

DEFAULT_PROTEIN = "facebook/esm2_t36_3B_UR50D"
CHUNK_LENGTHS = (300, 500)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dna", required=True, help="DNABERT-S folder or hub id (e.g. zhihan1996/DNABERT-S)")
    parser.add_argument("--protein", default=DEFAULT_PROTEIN, help=f"ESM-2 folder or hub id (default {DEFAULT_PROTEIN})")
    parser.add_argument("--classifier", required=True, help="VirNucPro 300_model.pth or 500_model.pth")


def export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="export_bundle.py", description="Convert VirNucPro's models into a bundle.",
                                     epilog="Check an existing bundle: export_bundle.py verify --help")
    _model_arguments(parser)
    parser.add_argument("--chunk-length", type=int, required=True, help="300 or 500: the classifier's chunk length")
    parser.add_argument("--out", required=True, type=Path, help="bundle directory to write")
    parser.add_argument("--name", help="bundle name (default virnucpro-<chunk length>)")
    parser.add_argument("--fp16", action="store_true", help="fp16 weights for GPU providers (inputs/outputs stay fp32)")
    parser.add_argument("--pooled-outputs", action=argparse.BooleanOptionalAction, default=True,
                        help="add the in-graph pooled outputs (default; with --no-pooled-outputs virnucpro pools "
                             "last_hidden_state itself, which is much slower)")
    parser.add_argument("--external-data", action="store_true",
                        help="store weights beside the .onnx even when small (automatic above 1.5 GiB)")
    parser.add_argument("--no-verify", action="store_true", help="skip the ONNX Runtime check at the end")
    return parser


def verify_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="export_bundle.py verify",
                                     description="Compare a bundle with the checkpoints it was made from.")
    parser.add_argument("--bundle", required=True, type=Path)
    _model_arguments(parser)
    return parser


def _check_chunk_length(parser: argparse.ArgumentParser, value: int, classifier: str) -> None:
    if value not in CHUNK_LENGTHS:
        parser.error(f"invalid --chunk-length {value}: available 300, 500")
    for other in CHUNK_LENGTHS:
        if other != value and Path(classifier).name.startswith(f"{other}_"):
            parser.error(f"--classifier {classifier} looks like the {other}-bp model but --chunk-length is {value}; "
                         f"the published models are 300_model.pth for 300 and 500_model.pth for 500")


def run_export(argv: list[str]) -> int:
    parser = export_parser()
    args = parser.parse_args(argv)
    _check_chunk_length(parser, args.chunk_length, args.classifier)
    started = time.monotonic()
    log(f"[INFO] loading DNABERT-S from {args.dna}")
    dna, dna_folder = sources.dna_model(args.dna)
    log(f"[INFO] loading ESM-2 from {args.protein}")
    protein, protein_hidden = sources.protein_model(args.protein)
    log(f"[INFO] loading classifier {args.classifier} (allow-listed unpickler)")
    classifier = sources.classifier_model(args.classifier)
    options = BundleOptions(
        chunk_length=args.chunk_length, name=args.name or f"virnucpro-{args.chunk_length}", fp16=args.fp16,
        pooled_outputs=args.pooled_outputs, force_external_data=args.external_data,
        provenance={"dna": args.dna, "protein": args.protein, "classifier": Path(args.classifier).name,
                    "classifierChecksum": sha256(Path(args.classifier))},
    )
    write_bundle(args.out, dna, dna.config.hidden_size, dna_folder / "tokenizer.json", protein, protein_hidden,
                 classifier, options, log)
    log(f"[INFO] wrote {args.out / 'manifest.json'} ({time.monotonic() - started:.0f} s since start)")
    if args.no_verify:
        return 0
    # Timed apart: without onnxruntime-gpu an fp16 bundle is verified on the CPU provider, whose fp16 products are
    # slow (docs/models.md).
    verify_started = time.monotonic()
    ok = verify_bundle(args.out, dna, protein, classifier, log)
    log(f"[INFO] verify took {time.monotonic() - verify_started:.0f} s")
    return 0 if ok else 1


def run_verify(argv: list[str]) -> int:
    args = verify_parser().parse_args(argv)
    dna, _ = sources.dna_model(args.dna)
    protein, _ = sources.protein_model(args.protein)
    classifier = sources.classifier_model(args.classifier)
    return 0 if verify_bundle(args.bundle, dna, protein, classifier, log) else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["verify"]:
        return run_verify(argv[1:])
    return run_export(argv)
