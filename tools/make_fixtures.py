#!/usr/bin/env python3
"""Generate the committed test fixtures, the demo bundle and (on demand) benchmark/checkpoint models.

Deterministic (fixed seeds, weights set by our own generator). Needs torch, transformers, tokenizers, onnx
(the GPU machine's stack; see tools/README.md). Stages:

  all --dnabert-tokenizer PATH     every committed artifact below, in one run (they must come from one run)
  bench-models --out DIR [--dnabert-tokenizer PATH] [--esm-shape esm-8M|esm-650M|esm-3B] [--fp16] [--device cuda]
                                   full-size DNABERT-S + an ESM-2 shape (default t6_8M) bundle (not committed)
  checkpoints --out DIR [--dnabert-tokenizer PATH] [--esm-shape esm-3B --device cuda]
                                                      random checkpoints in the published layouts (export-tool input)
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import traceback
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parent
sys.path.insert(0, str(TOOLS))

from virnucpro_export.bundle import BundleOptions, sha256, write_bundle, write_manifest  # noqa: E402
from virnucpro_export.classifier import random_classifier, save_like_original  # noqa: E402
from virnucpro_export.dnabert_s import save_published_checkpoint  # noqa: E402
from virnucpro_export.esm2 import esm_token_ids  # noqa: E402
from virnucpro_export.onnx_export import export_classifier, export_encoder  # noqa: E402
from virnucpro_export.pooling import mean_all_tokens, mean_residues  # noqa: E402
from virnucpro_fixtures import bpe, models, synthetic  # noqa: E402
from virnucpro_fixtures.pipeline import classify, embed_one, frame_features, highest_scores, prediction_results  # noqa: E402
from virnucpro_fixtures.sequences import reverse_complement  # noqa: E402

FIXTURE_MODELS = REPO / "test/fixtures/models"
PIPELINE = REPO / "test/fixtures/pipeline"
TOKENIZER_IDS = REPO / "test/fixtures/tokenizer/dnabert_s_python_ids.jsonl.gz"
DEMO = REPO / "models/demo"
DEMO_FASTA = REPO / "examples/data/demo.fa"
SEED = 20261129
CLASSIFIER_SEEDS = {500: 500, 300: 300}


def log(message: str) -> None:
    print(message, flush=True)


def f32(value) -> str:
    """Shortest text that parses back to the same float32."""
    return str(np.float32(value))


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    return lambda sequence: tokenizer.encode(sequence).ids


# ---- 2a: fixture models and manifests ------------------------------------------------------------------------

def calibrated(classifier, features: np.ndarray):
    """Shift the virus logit so that about half of the given frames come out virus (both labels get tested)."""
    import torch

    with torch.no_grad():
        logits = classifier(torch.from_numpy(features))
        classifier.output_layer.bias[1] -= float(torch.median(logits[:, 1] - logits[:, 0]))
    return classifier


def fixture_models(out: Path, fixture: models.ModelSet, classifiers: dict) -> None:
    options = BundleOptions(chunk_length=500, name="fixture-500", meaningless=True, dna_tokenizer_name="tokenizer.json",
                            provenance={"dna": "random weights, DNABERT-S architecture (tools/make_fixtures.py)",
                                        "protein": "random weights, Hugging Face EsmModel (ESM-2 settings)",
                                        "classifier": f"random MLPClassifier, seed {CLASSIFIER_SEEDS[500]}, virus bias calibrated"})
    manifest = write_bundle(out, fixture.dna, fixture.dna.config.hidden_size, None, fixture.protein,
                            int(fixture.esm_raw.config.hidden_size), classifiers[500], options, log)
    (out / "manifest.json").rename(out / "manifest-500.json")
    # The 300 bundle shares the encoders; only its classifier differs (so a 300/500 mix-up shows in outputs).
    export_classifier(classifiers[300], out / "classifier_300.onnx")
    manifest_300 = json.loads(json.dumps(manifest))
    manifest_300.update(name="fixture-300", chunkLength=300)
    manifest_300["classifier"]["onnx"] = "classifier_300.onnx"
    manifest_300["provenance"]["classifier"] = f"random MLPClassifier, seed {CLASSIFIER_SEEDS[300]}, virus bias calibrated"
    del manifest_300["checksums"]["classifier_500.onnx"]
    manifest_300["checksums"]["classifier_300.onnx"] = sha256(out / "classifier_300.onnx")
    write_manifest(out, manifest_300, "manifest-300.json")
    # Same encoders with the in-graph pooled output, for the loader's pooledOutput path.
    pooled = json.loads(json.dumps(manifest))
    pooled["name"] = "fixture-500-pooled"
    for key, pooling, model in (("dna", "mean", fixture.dna), ("protein", "mean-residues", fixture.protein)):
        name = pooled[key]["onnx"].replace(".onnx", "_pooled.onnx")
        export_encoder(model, out / name, pooling)
        del pooled["checksums"][pooled[key]["onnx"]]
        pooled[key].update(onnx=name, pooledOutput="pooled")
        pooled["checksums"][name] = sha256(out / name)
    write_manifest(out, pooled, "manifest-500-pooled.json")


# ---- 2b: reference embeddings, one sequence at a time --------------------------------------------------------

DNA_LENGTHS = (1, 2, 3, 4, 5, 6, 7, 10, 17, 33, 64, 99, 150, 151, 200, 256, 299, 300, 301, 333, 400, 450, 498, 499,
               500, 512, 555, 600, 619, 620)
PROTEIN_LENGTHS = (1, 2, 3, 5, 8, 13, 21, 50, 99, 100, 165, 166, 200, 333, 500, 777, 1000, 1022, 1023, 1024, 1025,
                   1026, 1100)


def reference_sequences() -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(SEED + 2)
    dna = [synthetic.dna(rng, n) for n in DNA_LENGTHS]
    dna += [synthetic.sprinkle(rng, synthetic.dna(rng, n), "N", max(1, n // 20)) for n in (1, 9, 150, 301, 499, 620)]
    dna += ["N" * 620, synthetic.sprinkle(rng, "N" * 600, "ACGT", 30)]  # > 512 tokens: the ALiBi table grows
    proteins = [synthetic.protein(rng, n) for n in PROTEIN_LENGTHS]
    return dna, proteins


def write_embeddings(out: Path, name: str, onnx_name: str, pooling: str, sequences: list[str],
                     ids: list[list[int]], vectors: list[np.ndarray]) -> None:
    hidden = int(vectors[0].shape[0])
    np.stack(vectors).astype("<f4").tofile(out / f"{name}_embeddings.bin")
    index = {"model": onnx_name, "pooling": pooling, "hiddenSize": hidden, "dtype": "float32-le",
             "file": f"{name}_embeddings.bin", "computedBy": "PyTorch, one sequence at a time, no padding",
             "rows": [{"sequence": s, "ids": i, "offset": k * hidden} for k, (s, i) in enumerate(zip(sequences, ids))]}
    (out / f"{name}_embeddings.json").write_text(json.dumps(index, separators=(",", ":")) + "\n")


def reference_embeddings(out: Path, fixture: models.ModelSet, tokenize) -> None:
    out.mkdir(parents=True, exist_ok=True)
    dna, proteins = reference_sequences()
    dna_ids = [tokenize(s) for s in dna]
    log(f"[INFO] DNA reference rows: {len(dna)}, longest {max(map(len, dna_ids))} tokens")
    write_embeddings(out, "dna", "dnabert_s.onnx", "mean", dna, dna_ids,
                     [embed_one(fixture.dna, ids, mean_all_tokens) for ids in dna_ids])
    protein_ids = [esm_token_ids(p) for p in proteins]
    write_embeddings(out, "protein", "esm2.onnx", "mean-residues", proteins, protein_ids,
                     [embed_one(fixture.protein, ids, mean_residues) for ids in protein_ids])


# ---- 2c: whole-pipeline reference ------------------------------------------------------------------------------

def wrap(sequence: str, width: int = 60) -> str:
    return "\n".join(sequence[i:i + width] for i in range(0, len(sequence), width))


def pipeline_reads() -> list[tuple[str, str]]:
    """(header, sequence) covering the spec's edge cases; see test/fixtures/pipeline/README.md."""
    rng = np.random.default_rng(SEED + 3)
    orf = lambda n: synthetic.open_reading_frame(rng, n)  # noqa: E731
    reads = [
        ("gc_rich_600 all six frames stop-free", ("GCG" * 200)),
        ("gc_rich_lower_1234", ("gcg" * 412)[:1234]),
        ("gc_rich_3100 eleven chunks at 300", ("GGC" * 1034)[:3100]),
        ("orf_1500", orf(1500)),
        ("orf_rev_900", reverse_complement(orf(900))),
        ("orf_with_N_480", synthetic.sprinkle(rng, orf(480), "N", 6)),
        ("orf_iupac_510", synthetic.sprinkle(rng, orf(510), "RYKMSWBDHV", 5)),
        ("orf_lower_mixed_650", "".join(c.lower() if i % 7 < 3 else c for i, c in enumerate(orf(650)))),
        ("orf_gap_301", synthetic.sprinkle(rng, orf(301), "-", 2)),
        ("orf_501", orf(501)),
        ("orf_299", orf(299)),
        ("orf_300", orf(300)),
        ("orf_1001", orf(1001)),
        ("tiny_2", "GC"),
        ("tiny_3", "GCG"),
        ("tiny_stop_3", "TAA"),
        ("random_500_no_frame", "TAA" + synthetic.dna(rng, 494) + "TAG"),
        ("random_1234", synthetic.dna(rng, 1234)),
        ("all_N_200", "N" * 200),
    ]
    for k in range(12):
        n = int(rng.integers(150, 1501))
        body = orf(n) if k % 3 else reverse_complement(orf(n))
        reads.append((f"read_{k + 1} length {n}", body if k % 4 else synthetic.sprinkle(rng, body, "N", 3)))
    for k in range(6):
        reads.append((f"random_{k + 1}", synthetic.dna(rng, int(rng.integers(150, 700)))))
    return reads


def write_fasta(path: Path, reads: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f">{header}\n{wrap(sequence)}\n" for header, sequence in reads))


def frames_jsonl(predictions) -> str:
    return "".join(json.dumps({
        "id": p.frame.id, "nucleotide": p.frame.nucleotide, "protein": p.frame.protein, "dnaIds": p.dna_ids,
        "features": [f32(v) for v in p.features], "logits": [f32(v) for v in p.logits],
        "scores": [f32(v) for v in p.scores], "prediction": p.label,
    }, separators=(",", ":")) + "\n" for p in predictions)


def pipeline_reference(out: Path, features: dict, classifiers: dict) -> None:
    for chunk_length, rows in features.items():
        predictions = classify(rows, classifiers[chunk_length])
        folder = out / f"chunk{chunk_length}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "prediction_results.txt").write_text(prediction_results(predictions))
        (folder / "prediction_results_highestscore.csv").write_text(highest_scores(predictions))
        (folder / "frames.jsonl").write_text(frames_jsonl(predictions))
        virus = sum(p.label == "virus" for p in predictions)
        log(f"[INFO] pipeline {chunk_length}: {len(predictions)} frames, {virus} virus")


# ---- 2d: Python tokenizer ids on the real DNABERT-S tokenizer ----------------------------------------------------

def tokenizer_id_strings() -> list[str]:
    rng = np.random.default_rng(SEED + 4)
    length = lambda: int(rng.integers(1, 621))  # noqa: E731
    strings = [synthetic.dna(rng, length()) for _ in range(1500)]
    strings += [synthetic.sprinkle(rng, synthetic.dna(rng, n), "N", int(rng.integers(1, 1 + max(1, n // 10))))
                for n in (length() for _ in range(1000))]
    strings += [synthetic.sprinkle(rng, synthetic.dna(rng, n), "RYKMSWBDHVU", int(rng.integers(1, 6)))
                for n in (length() for _ in range(250))]
    strings += [synthetic.dna(rng, length(), "ACGTacgtn") for _ in range(150)]
    strings += [synthetic.sprinkle(rng, synthetic.dna(rng, n), "-", int(rng.integers(1, 4)))
                for n in (length() for _ in range(100))]
    return strings


def tokenizer_ids(out: Path, tokenize) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps({"seq": s, "ids": tokenize(s)}, separators=(",", ":")) + "\n"
                    for s in tokenizer_id_strings())
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
        handle.write(lines.encode())


# ---- 2e: demo bundle and example FASTA -------------------------------------------------------------------------

def demo_bundle(out: Path, fasta: Path) -> None:
    rng = np.random.default_rng(SEED + 5)
    merges = bpe.train_merges([synthetic.dna(rng, 300) for _ in range(200)], models.DEMO.dna.vocab_size)
    tokenizer = Path(out) / "tokenizer.json"
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.write_text(json.dumps(bpe.tokenizer_json(merges)) + "\n")
    demo = models.build(models.DEMO, SEED + 6)
    options = BundleOptions(chunk_length=500, name="demo (meaningless)", meaningless=True, pooled_outputs=True,
                            dna_tokenizer_name="tokenizer.json",
                            provenance={"dna": "random weights, DNABERT-S architecture, demo BPE tokenizer",
                                        "protein": "random weights, Hugging Face EsmModel (ESM-2 settings)",
                                        "classifier": "random MLPClassifier", "note": "predictions are meaningless"})
    write_bundle(out, demo.dna, demo.dna.config.hidden_size, tokenizer, demo.protein,
                 int(demo.esm_raw.config.hidden_size), demo.classifier(SEED + 7, models.DEMO.classifier_hidden),
                 options, log)
    reads = []
    for k in range(36):
        n = int(rng.integers(150, 1501))
        kind = k % 4
        body = (synthetic.open_reading_frame(rng, n) if kind < 2 else
                reverse_complement(synthetic.open_reading_frame(rng, n)) if kind == 2 else synthetic.dna(rng, n))
        reads.append((f"demo_read_{k + 1} {n} bp", body))
    write_fasta(fasta, reads)


# ---- on demand: benchmark models and export-tool input checkpoints ------------------------------------------------

def bench_models(out: Path, tokenizer: Path | None, esm_shape: str = "esm-8M", fp16: bool = False,
                 device: str = "cpu") -> None:
    """The encoders of models.bench_encoder (torch_embed_peer.py rebuilds the same weights) and a random classifier."""
    dna = models.bench_encoder("dnabert", device=device)
    protein = models.bench_encoder("esm", esm_shape, device)
    protein_hidden = models.BENCH_ESM_SHAPES[esm_shape][1]
    options = BundleOptions(chunk_length=500, name=f"bench {esm_shape} (meaningless)", meaningless=True,
                            pooled_outputs=True, fp16=fp16, dna_tokenizer_name="tokenizer.json",
                            provenance={"dna": "random weights, full-size DNABERT-S shape",
                                        "protein": f"random weights, ESM-2 {esm_shape} shape"})
    write_bundle(out, dna, 768, tokenizer, protein, protein_hidden,
                 random_classifier(768 + protein_hidden, SEED + 9, 512), options, log)


def checkpoints(out: Path, tokenizer: Path | None, esm_shape: str | None = None, device: str = "cpu") -> None:
    """What a user feeds the export tool, with random weights, 500_ and 300_model.pth pickled whole: the fixture
    shapes, or with `esm_shape` the real sizes (full-size DNABERT-S and that ESM-2 shape, the bench encoders'
    weights), built on `device` and saved from the CPU."""
    if esm_shape is None:
        fixture = models.build(models.FIXTURE, SEED)
        dna, esm = fixture.dna, fixture.esm_raw
    else:
        dna, esm = models.bench_dnabert(device).cpu(), models.bench_esm2(esm_shape, device).cpu()
    save_published_checkpoint(dna, out / "dnabert-s", tokenizer)
    esm.save_pretrained(str(out / "esm2"))
    features = dna.config.hidden_size + int(esm.config.hidden_size)
    for chunk_length, seed in CLASSIFIER_SEEDS.items():
        save_like_original(random_classifier(features, seed, 512), out / f"{chunk_length}_model.pth")


def run_all(tokenizer_path: Path) -> int:
    tokenize = load_tokenizer(tokenizer_path)
    fixture = models.build(models.FIXTURE, SEED)
    write_fasta(PIPELINE / "reads.fa", pipeline_reads())
    features = {c: frame_features(PIPELINE / "reads.fa", c, tokenize, fixture.dna, fixture.protein)
                for c in CLASSIFIER_SEEDS}
    classifiers = {c: calibrated(fixture.classifier(seed, 512), np.stack([f for _, _, f in features[c]]))
                   for c, seed in CLASSIFIER_SEEDS.items()}
    stages = [
        ("fixture models", lambda: fixture_models(FIXTURE_MODELS, fixture, classifiers)),
        ("reference embeddings", lambda: reference_embeddings(FIXTURE_MODELS / "reference", fixture, tokenize)),
        ("pipeline reference", lambda: pipeline_reference(PIPELINE, features, classifiers)),
        ("tokenizer ids", lambda: tokenizer_ids(TOKENIZER_IDS, tokenize)),
        ("demo bundle", lambda: demo_bundle(DEMO, DEMO_FASTA)),
    ]
    failed = []
    for name, stage in stages:  # each stage logs and fails alone, so one error does not waste the whole run
        log(f"[INFO] stage: {name}")
        try:
            stage()
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            failed.append(name)
    log(f"[{'ERRO' if failed else 'INFO'}] failed stages: {failed or 'none'}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["all", "bench-models", "checkpoints"])
    parser.add_argument("--dnabert-tokenizer", type=Path, help="the real DNABERT-S tokenizer.json")
    parser.add_argument("--out", type=Path, help="output folder (bench-models, checkpoints)")
    parser.add_argument("--esm-shape", choices=sorted(models.BENCH_ESM_SHAPES),
                        help="bench-models: the ESM-2 shape (default esm-8M); checkpoints: full-size DNABERT-S "
                             "and this ESM-2 shape (default: the fixture's small shapes)")
    parser.add_argument("--fp16", action="store_true", help="bench-models: fp16 GPU export (export_bundle.py --fp16)")
    parser.add_argument("--device", default="cpu",
                        help="bench-models, checkpoints: build the models there (cuda: much faster)")
    args = parser.parse_args()
    if args.stage == "all":
        if not args.dnabert_tokenizer:
            parser.error("all needs --dnabert-tokenizer (the real DNABERT-S tokenizer.json; never committed)")
        return run_all(args.dnabert_tokenizer)
    if not args.out:
        parser.error(f"{args.stage} needs --out DIR")
    if args.stage == "bench-models":
        bench_models(args.out, args.dnabert_tokenizer, args.esm_shape or "esm-8M", args.fp16, args.device)
    else:
        checkpoints(args.out, args.dnabert_tokenizer, args.esm_shape, args.device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
