#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: "virnucpro predict: one shard of a FASTA file, to a resumable -o directory"
doc: |
  Runs `virnucpro predict --shard K-of-N` on the reads (a plain FASTA file: shards seek into it) and returns
  the -o directory, which `virnucpro merge` (merge.cwl) gathers with the other N-1. It always passes
  --resume: run again on the same directory, it continues an interrupted shard. `device: cuda` runs the
  encoders on a GPU (sharded-predict-gpu.cwl adds the GPU hint). `virnucpro` must be on PATH.
baseCommand: [virnucpro, predict]
requirements:
  InlineJavascriptRequirement: {}
hints:
  ResourceRequirement:
    coresMin: $(inputs.threads)
inputs:
  reads:
    type: File
    doc: plain FASTA (not gzip)
    inputBinding: { position: 10 }
  models:
    type: Directory
    doc: the model bundle (docs/models.md)
    inputBinding: { prefix: --models }
  shard:
    type: string
    doc: "K-of-N (or K/N)"
    inputBinding: { prefix: --shard }
  chunk_length:
    type: int?
    doc: "300 or 500; default: the bundle's"
    inputBinding: { prefix: --chunk-length }
  threads:
    type: int
    default: 2
    inputBinding: { prefix: --threads }
  score_tables:
    type: boolean
    default: false
    inputBinding: { prefix: --score-tables }
  device:
    type: string?
    doc: "cpu (default) or cuda: then the job's first visible GPU (--device-id 0)"
    inputBinding: { prefix: --device }
arguments:
  - { prefix: -o, valueFrom: "shard-$(inputs.shard.replace('/', '-of-'))" }
  - --resume
stderr: "predict-$(inputs.shard.replace('/', '-of-')).log"
outputs:
  results:
    type: Directory
    outputBinding: { glob: "shard-$(inputs.shard.replace('/', '-of-'))" }
  log:
    type: stderr
