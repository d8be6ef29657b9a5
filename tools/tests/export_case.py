#!/usr/bin/env python3
"""Write an ONNX export and what PyTorch computes for it, for test/tools/*.test.ts to check in onnxruntime-node.

  export_case.py classifier OUT   whole-pickled MLPClassifier -> our loader -> classifier.onnx; case.json logits
  export_case.py dnabert OUT      random DNABERT-S -> dnabert_s.onnx; case.json hidden states one row at a time
"""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from virnucpro_export.classifier import load_classifier, random_classifier, save_like_original  # noqa: E402
from virnucpro_export.dnabert_s import DnaBertConfig, DnaBertS  # noqa: E402
from virnucpro_export.onnx_export import export_classifier, export_encoder  # noqa: E402
from virnucpro_fixtures.models import randomize_  # noqa: E402


def classifier_case(out: Path) -> dict:
    original = random_classifier(3328, seed=11)
    save_like_original(original, out / "500_model.pth")
    export_classifier(load_classifier(out / "500_model.pth"), out / "classifier.onnx")
    features = torch.randn(6, 3328, generator=torch.Generator().manual_seed(12))
    with torch.no_grad():
        logits = original(features)  # the module as saved, not the reloaded one
    return {"onnx": "classifier.onnx", "features": features.tolist(), "logits": logits.tolist()}


def dnabert_case(out: Path) -> dict:
    config = DnaBertConfig(vocab_size=4096, hidden_size=48, num_hidden_layers=2, num_attention_heads=6,
                           intermediate_size=96)
    model = randomize_(DnaBertS(config), 13)
    export_encoder(model, out / "dnabert_s.onnx")
    generator = torch.Generator().manual_seed(14)
    rows = [[1] + torch.randint(5, 4096, (n - 2,), generator=generator).tolist() + [2] for n in (3, 11, 97, 515)]
    with torch.no_grad():
        hidden = [model(torch.tensor([r]), torch.ones(1, len(r), dtype=torch.int64))[0].tolist() for r in rows]
    return {"onnx": "dnabert_s.onnx", "padId": 3, "rows": rows, "hidden": hidden}


if __name__ == "__main__":
    kind, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    case = {"classifier": classifier_case, "dnabert": dnabert_case}[kind](out)
    (out / "case.json").write_text(json.dumps(case))
