import { open, type FileHandle } from 'node:fs/promises';
import { VirnucproError } from '../errors.js';

/**
 * Reads an ONNX file's graph inputs and outputs (names, element types, shapes) straight from its protobuf
 * encoding, without loading the weights. A session would do the same but costs the whole model in memory
 * and seconds to minutes of load time (ESM-2 3B: ~11 GiB) just to check names before the real load; this
 * skips every node and initializer by its length prefix and reads a few KiB.
 *
 * The result has the same form as onnxruntime-node's `session.inputMetadata` / `outputMetadata`, so one
 * checker (modelInterface.ts) serves both; a test checks that the two agree on every fixture.
 */

/** One graph input or output. `shape` holds a number per fixed dimension and a string per symbolic one. */
export interface OnnxValueInfo {
  readonly name: string;
  /** onnxruntime's tensor type name ('float32', 'int64', …), or 'unknown' for non-tensor values. */
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export interface OnnxInterface {
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

/** TensorProto.DataType → onnxruntime's names (the table onnxruntime-node's backend uses). */
const ELEMENT_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

// Field numbers from onnx.proto3.
const MODEL_IR_VERSION = 1;
const MODEL_GRAPH = 7;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const VALUE_NAME = 1;
const VALUE_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM_TYPE = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Bytes read per file access: enough for every field header, small enough to read thousands cheaply. */
const WINDOW_BYTES = 64 * 1024;
/** A field header is at most two 10-byte varints. */
const MAX_HEADER_BYTES = 20;

/**
 * The graph interface of `file`. Throws MODEL_LOAD naming the file when it is missing, unreadable,
 * truncated or not ONNX.
 */
export async function readOnnxInterface(file: string): Promise<OnnxInterface> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new VirnucproError('MODEL_LOAD', `cannot open the ONNX file: ${(error as Error).message}`, {
      position: { file },
      hint: 'check the path in manifest.json (paths are relative to the bundle directory)',
      cause: error,
    });
  }
  try {
    const reader = new WindowReader(handle, (await handle.stat()).size);
    let sawIrVersion = false;
    let graph: { start: number; end: number } | undefined;
    await reader.eachField(0, reader.size, async (field) => {
      if (field.number === MODEL_IR_VERSION && field.wire === VARINT) sawIrVersion = true;
      if (field.number === MODEL_GRAPH && field.wire === LENGTH_DELIMITED) graph = { start: field.start, end: field.end };
    });
    if (!sawIrVersion || !graph) throw new NotOnnx(sawIrVersion ? 'it has no graph' : 'it has no ir_version');
    const inputs: OnnxValueInfo[] = [];
    const outputs: OnnxValueInfo[] = [];
    await reader.eachField(graph.start, graph.end, async (field) => {
      if (field.wire !== LENGTH_DELIMITED || (field.number !== GRAPH_INPUT && field.number !== GRAPH_OUTPUT)) return;
      const info = valueInfo(await reader.bytes(field.start, field.end));
      (field.number === GRAPH_INPUT ? inputs : outputs).push(info);
    });
    return { inputs, outputs };
  } catch (error) {
    if (error instanceof VirnucproError) throw error;
    const detail = error instanceof NotOnnx ? error.message : `read failed: ${(error as Error).message}`;
    throw new VirnucproError('MODEL_LOAD', `not a readable ONNX model (${detail})`, {
      position: { file },
      hint: 'the file is truncated or not ONNX: re-export it, or re-download it and compare its checksum',
      cause: error,
    });
  } finally {
    await handle.close();
  }
}

/** A structural problem in the bytes, reported as "not a readable ONNX model". */
class NotOnnx extends Error {}

interface Field {
  readonly number: number;
  readonly wire: number;
  /** For length-delimited fields, the value's byte range in the file; else both are the field's end. */
  readonly start: number;
  readonly end: number;
}

/** Positioned reads through a window, so walking thousands of field headers costs few system calls. */
class WindowReader {
  readonly size: number;
  readonly #handle: FileHandle;
  #window = new Uint8Array(0);
  #windowStart = 0;

  constructor(handle: FileHandle, size: number) {
    this.#handle = handle;
    this.size = size;
  }

  /** Calls `visit` for each field in [start, end), skipping every value by its length. */
  async eachField(start: number, end: number, visit: (field: Field) => Promise<void>): Promise<void> {
    let at = start;
    while (at < end) {
      const header = await this.bytes(at, Math.min(end, at + MAX_HEADER_BYTES));
      const decoder = new Decoder(header);
      const tag = decoder.varint();
      const number = Math.floor(tag / 8);
      const wire = tag % 8;
      if (number === 0) throw new NotOnnx(`field number 0 at byte ${at}`);
      let valueEnd: number;
      let valueStart: number;
      if (wire === VARINT) {
        decoder.varint();
        valueStart = valueEnd = at + decoder.at;
      } else if (wire === LENGTH_DELIMITED) {
        const length = decoder.varint();
        valueStart = at + decoder.at;
        valueEnd = valueStart + length;
      } else if (wire === FIXED64 || wire === FIXED32) {
        valueStart = valueEnd = at + decoder.at + (wire === FIXED64 ? 8 : 4);
      } else {
        throw new NotOnnx(`unsupported wire type ${wire} at byte ${at}`);
      }
      if (valueEnd > end) throw new NotOnnx(`a field at byte ${at} runs past its end (${valueEnd} > ${end}): truncated?`);
      await visit({ number, wire, start: valueStart, end: valueEnd });
      at = valueEnd;
    }
  }

  /** Bytes [start, end) of the file (a view when they lie inside the window). */
  async bytes(start: number, end: number): Promise<Uint8Array> {
    const windowEnd = this.#windowStart + this.#window.length;
    if (start >= this.#windowStart && end <= windowEnd) {
      return this.#window.subarray(start - this.#windowStart, end - this.#windowStart);
    }
    const length = Math.min(Math.max(end - start, WINDOW_BYTES), this.size - start);
    const buffer = new Uint8Array(length);
    const { bytesRead } = await this.#handle.read(buffer, 0, length, start);
    if (bytesRead < end - start) throw new NotOnnx(`file ends at byte ${start + bytesRead}, before byte ${end}: truncated?`);
    this.#window = buffer.subarray(0, bytesRead);
    this.#windowStart = start;
    return this.#window.subarray(0, end - start);
  }
}

/** Protobuf decoding over bytes in memory. Varints up to 2^53 are exact. */
class Decoder {
  readonly #bytes: Uint8Array;
  at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get done(): boolean {
    return this.at >= this.#bytes.length;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.#bytes[this.at++];
      if (byte === undefined) throw new NotOnnx('a varint runs past the end of its message');
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new NotOnnx('a varint longer than 10 bytes');
  }

  /** Calls `visit(number, value)`: the bytes of a length-delimited field, the value of a varint (fixed-width ones are skipped). */
  eachField(visit: (number: number, value: Uint8Array | number) => void): void {
    while (!this.done) {
      const tag = this.varint();
      const wire = tag % 8;
      if (wire === VARINT) {
        visit(Math.floor(tag / 8), this.varint());
      } else if (wire === LENGTH_DELIMITED) {
        const length = this.varint();
        if (this.at + length > this.#bytes.length) throw new NotOnnx('a nested field runs past its message');
        visit(Math.floor(tag / 8), this.#bytes.subarray(this.at, this.at + length));
        this.at += length;
      } else if (wire === FIXED64 || wire === FIXED32) {
        this.at += wire === FIXED64 ? 8 : 4;
      } else {
        throw new NotOnnx(`unsupported wire type ${wire} in a nested message`);
      }
    }
  }
}

/** ValueInfoProto { name = 1; TypeProto type = 2 { Tensor tensor_type = 1 { elem_type = 1; shape = 2 } } }. */
function valueInfo(bytes: Uint8Array): OnnxValueInfo {
  let name = '';
  let type = 'unknown';
  const shape: (number | string)[] = [];
  new Decoder(bytes).eachField((number, value) => {
    if (number === VALUE_NAME && value instanceof Uint8Array) name = new TextDecoder().decode(value);
    if (number !== VALUE_TYPE || !(value instanceof Uint8Array)) return;
    new Decoder(value).eachField((typeField, tensor) => {
      if (typeField !== TYPE_TENSOR || !(tensor instanceof Uint8Array)) return;
      new Decoder(tensor).eachField((tensorField, content) => {
        if (tensorField === TENSOR_ELEM_TYPE && typeof content === 'number') type = ELEMENT_TYPES[content] ?? `onnx-type-${content}`;
        if (tensorField === TENSOR_SHAPE && content instanceof Uint8Array) shape.push(...dims(content));
      });
    });
  });
  if (!name) throw new NotOnnx('a graph input or output has no name');
  return { name, type, shape };
}

/** TensorShapeProto { Dimension dim = 1 { int64 dim_value = 1 | string dim_param = 2 } }; unnamed unknowns are ''. */
function dims(bytes: Uint8Array): (number | string)[] {
  const result: (number | string)[] = [];
  new Decoder(bytes).eachField((number, dim) => {
    if (number !== SHAPE_DIM || !(dim instanceof Uint8Array)) return;
    let size: number | string = '';
    new Decoder(dim).eachField((dimField, value) => {
      if (dimField === DIM_VALUE && typeof value === 'number') size = value;
      if (dimField === DIM_PARAM && value instanceof Uint8Array) size = new TextDecoder().decode(value);
    });
    result.push(size);
  });
  return result;
}
