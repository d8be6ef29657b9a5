#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: "virnucpro merge: the shards' -o directories into the files of one run"
baseCommand: [virnucpro, merge]
inputs:
  out:
    type: string
    default: merged
    inputBinding: { position: 1 }
  parts:
    type: Directory[]
    doc: the -o directories of all N shards (any order)
    inputBinding: { position: 2 }
stderr: merge.log
outputs:
  merged:
    type: Directory
    outputBinding: { glob: $(inputs.out) }
  log:
    type: stderr
