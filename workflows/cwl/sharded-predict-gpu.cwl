#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: "sharded-predict.cwl on GPUs: each shard job asks for one (a hint), runs --device cuda"
doc: |
  The GPU variant of sharded-predict.cwl, kept apart because cwltool 3.1 fails on a machine without a GPU
  when cwltool:CUDARequirement is given, even as a hint. Not run in CI (no GPU there): validated only.
$namespaces:
  cwltool: "http://commonwl.org/cwltool#"
requirements:
  ScatterFeatureRequirement: {}
inputs:
  reads: File
  models: Directory
  shards: string[]
  chunk_length: int?
  threads:
    type: int
    default: 2
  score_tables:
    type: boolean
    default: false
steps:
  predict:
    run: predict-shard.cwl
    scatter: shard
    hints:
      cwltool:CUDARequirement:
        cudaVersionMin: "12.0"
        cudaComputeCapability: "7.0"
        cudaDeviceCountMin: 1
        cudaDeviceCountMax: 1
    in:
      reads: reads
      models: models
      shard: shards
      chunk_length: chunk_length
      threads: threads
      score_tables: score_tables
      device: { default: cuda }
    out: [results, log]
  merge:
    run: merge.cwl
    in:
      parts: predict/results
    out: [merged, log]
outputs:
  merged:
    type: Directory
    outputSource: merge/merged
  logs:
    type: File[]
    outputSource: predict/log
  merge_log:
    type: File
    outputSource: merge/log
