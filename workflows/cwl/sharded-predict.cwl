#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: "virnucpro predict over N shards of a FASTA file, scattered, then merged"
doc: |
  One predict-shard.cwl job per shard (scatter over `shards`, e.g. [1-of-4, 2-of-4, 3-of-4, 4-of-4]), then
  merge.cwl: the merged directory holds the files one unsharded run writes, byte for byte.
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
  device: string?
steps:
  predict:
    run: predict-shard.cwl
    scatter: shard
    in:
      reads: reads
      models: models
      shard: shards
      chunk_length: chunk_length
      threads: threads
      score_tables: score_tables
      device: device
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
