"""VirNucPro model-bundle export tooling (see docs/export.md and docs/model-bundle.md)."""

VERSION = "0.1.0"
TOOL_NAME = f"virnucpro tools/export_bundle.py {VERSION}"
