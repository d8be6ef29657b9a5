#!/usr/bin/env bash
# conda-build has unpacked the npm tarball into $SRC_DIR; pack it again (no scripts: dist/ is already built)
# and install that tarball into the environment. ONNXRUNTIME_NODE_INSTALL=skip: no CUDA provider download
# from NuGet (builders are often offline; the provider is an explicit step, packaging/README.md).
set -euo pipefail
cd "$SRC_DIR"
tarball=$(npm pack --ignore-scripts --silent)
ONNXRUNTIME_NODE_INSTALL=skip npm install -g --prefix "$PREFIX" --no-audit --no-fund "./$tarball"
