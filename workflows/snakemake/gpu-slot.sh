#!/usr/bin/env bash
# gpu-slot.sh LOCKDIR IDS -- COMMAND...
#
# Runs COMMAND with CUDA_VISIBLE_DEVICES set to one GPU of IDS (comma-separated) that no other job started
# this way holds: Snakemake's `resources: gpu` only counts GPUs, it neither picks one for a job nor sets
# CUDA_VISIBLE_DEVICES. Each GPU is a lock file in LOCKDIR, held (flock on file descriptor 9, inherited by
# COMMAND) until COMMAND and its children exit. With --resources gpu=<number of IDS> a free one always exists.
set -euo pipefail
if [ "$#" -lt 4 ] || [ "$3" != "--" ]; then
  echo "usage: gpu-slot.sh LOCKDIR IDS -- COMMAND..." >&2
  exit 2
fi
lockdir=$1
ids=$2
shift 3
mkdir -p "$lockdir"
for id in ${ids//,/ }; do
  exec 9>"$lockdir/gpu$id.lock"
  if flock -n 9; then
    export CUDA_VISIBLE_DEVICES=$id
    exec "$@"
  fi
  exec 9>&-
done
echo "gpu-slot.sh: every GPU of $ids is in use by another job (give snakemake --resources gpu=<number of GPUs>)" >&2
exit 1
