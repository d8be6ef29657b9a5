#!/usr/bin/env bash
# virnucpro predict in a shell pipeline: reads come on stdin (plain or gzip), chunk calls leave on stdout as
# they complete, and a reader that stops early (head) ends the run quietly with exit 0.
#
#   npm run build && bash examples/pipeFromStdin.sh [reads.fa[.gz]] [bundle-dir]
#
# Installed from npm, the same pipeline reads: cat reads.fa | virnucpro predict -q --models DIR - | head
# Defaults: examples/data/demo.fa and models/demo (random weights: the calls are meaningless).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
reads=${1:-$here/examples/data/demo.fa}
models=${2:-$here/models/demo}

# The first line is the column header; keep it and the first five chunks called viral.
cat "$reads" | node "$here/dist/src/cli/main.js" predict -q --models "$models" - | awk -F'\t' 'NR == 1 || $2 == "True"' | head -n 6
echo "virnucpro exit status: ${PIPESTATUS[1]}" >&2
