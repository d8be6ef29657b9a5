#!/usr/bin/env python3
"""Convert DNABERT-S, ESM-2 and a VirNucPro classifier into a virnucpro model bundle. See docs/export.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from virnucpro_export.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
