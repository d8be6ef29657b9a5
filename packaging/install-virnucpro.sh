#!/usr/bin/env bash
# Installs a packed virnucpro (npm pack) as a global command, then, if asked, onnxruntime-node's CUDA provider.
# The Dockerfile and the Apptainer definition run this; test/install/packInstall.test.ts runs it with `none`.
#
#   install-virnucpro.sh TARBALL none     CPU (and WebGPU) only: needs the npm registry, nothing else
#   install-virnucpro.sh TARBALL cuda12   + the CUDA 12 provider, downloaded from NuGet by onnxruntime-node's
#                                           own install script (needs api.nuget.org; CUDA 12 and cuDNN 9 to run)
#   install-virnucpro.sh TARBALL cuda13   + the onnxruntime 1.29.0 CUDA 13 provider files, from the npm package
#                                           com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (a redistribution of
#                                           the official build), put next to libonnxruntime.so.1
#
# The global prefix is npm's (`npm config get prefix`; set npm_config_prefix to install elsewhere).
set -euo pipefail
tarball=${1:?usage: install-virnucpro.sh TARBALL none|cuda12|cuda13}
route=${2:?usage: install-virnucpro.sh TARBALL none|cuda12|cuda13}
case "$route" in none | cuda12 | cuda13) ;; *) echo "unknown CUDA route '$route': none, cuda12 or cuda13" >&2; exit 2 ;; esac

# Skip onnxruntime-node's install script: on Linux x64 it would fetch the CUDA 12 provider from NuGet by default,
# and fail the whole install where NuGet is unreachable. The provider is installed on purpose below.
ONNXRUNTIME_NODE_INSTALL=skip npm install -g --no-audit --no-fund "$tarball"

ort="$(npm root -g)/virnucpro/node_modules/onnxruntime-node"
case "$route" in
  cuda12)
    ONNXRUNTIME_NODE_INSTALL=cuda12 node "$ort/script/install.js"
    ;;
  cuda13)
    ortVersion=$(node -p "require('$ort/package.json').version")
    if [ "$ortVersion" != 1.29.0 ]; then
      echo "the CUDA 13 provider files are onnxruntime 1.29.0's; this onnxruntime-node is $ortVersion" >&2
      exit 1
    fi
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 >/dev/null && tar xzf ./*.tgz)
    cp "$tmp"/package/Plugins/Linux/x64/libonnxruntime_providers_{cuda,shared}.so "$ort/bin/napi-v6/linux/x64/"
    ;;
esac

# Smoke test on the CPU with the bundled demo models (meaningless predictions; this checks the install only).
bin="$(npm config get prefix)/bin/virnucpro"
printf '>smoke\n%s\n' "$(printf 'ACGTTGCAAC%.0s' {1..50})" |
  "$bin" predict - --models "$(npm root -g)/virnucpro/models/demo" -q | grep -q '^smoke_chunk_1	'
echo "virnucpro $("$bin" --version) installed as $bin (CUDA provider: $route)"
