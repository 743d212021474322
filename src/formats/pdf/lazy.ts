// The fast path to a PDF's embedded files: follow startxref → cross-reference sections (tables or
// streams, with /Prev chains) → trailer /Root → /Names /EmbeddedFiles and /AF, parsing only the
// objects on that path (libqpdf's approach, where pdf-lib parses every object of the file). Any
// surprise returns null or throws, and the caller falls back to pdf-lib's full parse. Bounded in
// objects visited, nesting depth, decoded size and time; cycles are cut by a visited set.
import { InvoiceFormatError } from '../errors.ts';
import type { Deadline, Limits } from '../limits.ts';
import type { PdfAttachment } from './embedded.ts';
import { inflateBounded } from './objects.ts';

type Ref = { ref: true; num: number; gen: number };
type Name = { name: string };
type Dict = { dict: Map<string, Value> };
type Stream = { dict: Map<string, Value>; stream: Uint8Array };
type Value = number | boolean | null | Uint8Array | Name | Ref | Dict | Stream | Value[];

class Unsupported extends Error {}

const WHITE = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WHITE[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

class Lexer {
  constructor(
    readonly data: Uint8Array,
    public pos: number,
  ) {}

  skip(): void {
    const data = this.data;
    for (;;) {
      while (this.pos < data.length && WHITE[data[this.pos]!]) this.pos += 1;
      if (data[this.pos] !== 0x25) return;
      while (this.pos < data.length && data[this.pos] !== 0x0a && data[this.pos] !== 0x0d) this.pos += 1;
    }
  }

  word(): string {
    this.skip();
    const start = this.pos;
    while (this.pos < this.data.length && !WHITE[this.data[this.pos]!] && !DELIM[this.data[this.pos]!]) this.pos += 1;
    return latin1(this.data, start, this.pos);
  }

  peekWord(): string {
    const saved = this.pos;
    const word = this.word();
    this.pos = saved;
    return word;
  }

  value(depth: number): Value {
    if (depth > 64) throw new Unsupported('nesting');
    this.skip();
    const data = this.data;
    const c = data[this.pos];
    if (c === undefined) throw new Unsupported('eof');
    if (c === 0x2f) {
      this.pos += 1;
      const start = this.pos;
      while (this.pos < data.length && !WHITE[data[this.pos]!] && !DELIM[data[this.pos]!]) this.pos += 1;
      const raw = latin1(data, start, this.pos);
      return { name: raw.includes('#') ? raw.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) : raw };
    }
    if (c === 0x3c && data[this.pos + 1] === 0x3c) {
      this.pos += 2;
      const dict = new Map<string, Value>();
      for (;;) {
        this.skip();
        if (data[this.pos] === 0x3e && data[this.pos + 1] === 0x3e) {
          this.pos += 2;
          break;
        }
        const key = this.value(depth + 1);
        if (!isName(key)) throw new Unsupported('dict key');
        dict.set(key.name, this.value(depth + 1));
      }
      return { dict };
    }
    if (c === 0x3c) {
      const end = indexOfByte(data, 0x3e, this.pos);
      if (end < 0) throw new Unsupported('hex');
      const hex = latin1(data, this.pos + 1, end).replace(/\s/g, '');
      this.pos = end + 1;
      return Uint8Array.from(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'));
    }
    if (c === 0x28) return this.literal();
    if (c === 0x5b) {
      this.pos += 1;
      const items: Value[] = [];
      for (;;) {
        this.skip();
        if (data[this.pos] === 0x5d) {
          this.pos += 1;
          return items;
        }
        items.push(this.value(depth + 1));
      }
    }
    const word = this.word();
    if (word === '') throw new Unsupported(`token ${String.fromCharCode(c)}`);
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    const number = Number(word);
    if (Number.isNaN(number)) throw new Unsupported(`word ${word}`);
    if (Number.isInteger(number) && number >= 0) {
      // "num gen R"?
      const saved = this.pos;
      const gen = this.word();
      if (/^\d+$/.test(gen) && this.word() === 'R') return { ref: true, num: number, gen: Number(gen) };
      this.pos = saved;
    }
    return number;
  }

  literal(): Uint8Array {
    const data = this.data;
    const out: number[] = [];
    let depth = 1;
    this.pos += 1;
    while (this.pos < data.length) {
      const c = data[this.pos]!;
      if (c === 0x5c) {
        const n = data[this.pos + 1];
        this.pos += 2;
        if (n === undefined) break;
        if (n >= 0x30 && n <= 0x37) {
          let value = n - 0x30;
          for (let k = 0; k < 2 && data[this.pos]! >= 0x30 && data[this.pos]! <= 0x37; k += 1) value = value * 8 + (data[this.pos++]! - 0x30);
          out.push(value & 0xff);
        } else if (n === 0x6e) out.push(0x0a);
        else if (n === 0x72) out.push(0x0d);
        else if (n === 0x74) out.push(0x09);
        else if (n === 0x62) out.push(0x08);
        else if (n === 0x66) out.push(0x0c);
        else if (n === 0x0d) {
          if (data[this.pos] === 0x0a) this.pos += 1;
        } else if (n !== 0x0a) out.push(n);
        continue;
      }
      if (c === 0x28) depth += 1;
      else if (c === 0x29 && --depth === 0) {
        this.pos += 1;
        break;
      }
      out.push(c);
      this.pos += 1;
    }
    return Uint8Array.from(out);
  }
}

function latin1(data: Uint8Array, start: number, end: number): string {
  return Buffer.from(data.buffer, data.byteOffset + start, end - start).toString('latin1');
}

function indexOfByte(data: Uint8Array, byte: number, from: number): number {
  return data.indexOf(byte, from);
}

const isName = (value: Value | undefined): value is Name => typeof value === 'object' && value !== null && 'name' in value;
const isRef = (value: Value | undefined): value is Ref => typeof value === 'object' && value !== null && 'ref' in value;
const isDictLike = (value: Value | undefined): value is Dict | Stream => typeof value === 'object' && value !== null && 'dict' in value;
const isStream = (value: Value | undefined): value is Stream => isDictLike(value) && 'stream' in value;

type XrefEntry = { offset: number } | { stream: number; index: number };

class LazyPdf {
  readonly xref = new Map<number, XrefEntry>();
  readonly cache = new Map<number, Value>();
  readonly objectStreams = new Map<number, { data: Uint8Array; offsets: Map<number, number> }>();
  trailer: Map<string, Value> | null = null;
  visits = 0;

  constructor(
    readonly data: Uint8Array,
    readonly limits: Limits,
    readonly deadline: Deadline,
    readonly file: string,
  ) {}

  tick(): void {
    this.visits += 1;
    if (this.visits > this.limits.maxPdfObjects) throw new InvoiceFormatError(this.file, 'the PDF', `references more than the limit of ${this.limits.maxPdfObjects} objects`);
    if ((this.visits & 0xff) === 0 && this.deadline.expired()) throw new InvoiceFormatError(this.file, 'the PDF', `could not be read within the time limit of ${this.deadline.timeoutMs} ms`);
  }

  readXref(): void {
    const data = this.data;
    const tail = latin1(data, Math.max(0, data.length - 2048), data.length);
    const match = /startxref\s+(\d+)\s*%%EOF\s*$/.exec(tail) ?? /startxref\s+(\d+)/.exec(tail);
    if (!match) throw new Unsupported('startxref');
    let offset: number | null = Number(match[1]);
    const seen = new Set<number>();
    while (offset !== null) {
      if (seen.has(offset) || offset >= data.length) throw new Unsupported('xref chain');
      seen.add(offset);
      this.tick();
      const lexer = new Lexer(data, offset);
      let trailer: Map<string, Value>;
      if (lexer.peekWord() === 'xref') {
        lexer.word();
        trailer = this.readXrefTable(lexer);
        const hybrid = trailer.get('XRefStm');
        if (typeof hybrid === 'number' && !seen.has(hybrid)) {
          seen.add(hybrid);
          this.readXrefStream(hybrid);
        }
      } else {
        trailer = this.readXrefStream(offset);
      }
      this.trailer ??= trailer;
      const prev = trailer.get('Prev');
      offset = typeof prev === 'number' ? prev : null;
    }
  }

  readXrefTable(lexer: Lexer): Map<string, Value> {
    for (;;) {
      const word = lexer.word();
      if (word === 'trailer') break;
      const start = Number(word);
      const count = Number(lexer.word());
      if (!Number.isInteger(start) || !Number.isInteger(count) || count < 0 || count > 10_000_000) throw new Unsupported('xref subsection');
      for (let index = 0; index < count; index += 1) {
        const offset = Number(lexer.word());
        lexer.word();
        const type = lexer.word();
        const num = start + index;
        if (type === 'n' && !this.xref.has(num)) this.xref.set(num, { offset });
        else if (type === 'f' && !this.xref.has(num)) this.xref.set(num, { offset: -1 });
      }
    }
    const trailer = lexer.value(0);
    if (!isDictLike(trailer)) throw new Unsupported('trailer');
    return trailer.dict;
  }

  readXrefStream(offset: number): Map<string, Value> {
    const object = this.parseAt(offset);
    if (!isStream(object) || (object.dict.get('Type') as Name | undefined)?.name !== 'XRef') throw new Unsupported('xref stream');
    const bytes = this.decode(object);
    const widths = object.dict.get('W');
    if (!Array.isArray(widths) || widths.length < 3) throw new Unsupported('W');
    const [w0, w1, w2] = widths.map((w) => (typeof w === 'number' ? w : 0)) as [number, number, number];
    const size = object.dict.get('Size');
    const index = object.dict.get('Index');
    const ranges = Array.isArray(index) ? (index as number[]) : [0, typeof size === 'number' ? size : 0];
    const read = (at: number, width: number): number => {
      let value = 0;
      for (let k = 0; k < width; k += 1) value = value * 256 + (bytes[at + k] ?? 0);
      return value;
    };
    const rowWidth = w0 + w1 + w2;
    let position = 0;
    for (let r = 0; r + 1 < ranges.length; r += 2) {
      const start = ranges[r]!;
      const count = ranges[r + 1]!;
      for (let k = 0; k < count && position + rowWidth <= bytes.length; k += 1, position += rowWidth) {
        const type = w0 === 0 ? 1 : read(position, w0);
        const num = start + k;
        if (this.xref.has(num)) continue;
        if (type === 1) this.xref.set(num, { offset: read(position + w0, w1) });
        else if (type === 2) this.xref.set(num, { stream: read(position + w0, w1), index: read(position + w0 + w1, w2) });
        else this.xref.set(num, { offset: -1 });
      }
    }
    return object.dict;
  }

  parseAt(offset: number): Value {
    const lexer = new Lexer(this.data, offset);
    const num = lexer.word();
    const gen = lexer.word();
    if (!/^\d+$/.test(num) || !/^\d+$/.test(gen) || lexer.word() !== 'obj') throw new Unsupported(`object header at ${offset}`);
    const value = lexer.value(0);
    if (!isDictLike(value) || lexer.peekWord() !== 'stream') return value;
    lexer.word();
    // The data starts after the EOL that follows "stream".
    if (this.data[lexer.pos] === 0x0d) lexer.pos += 1;
    if (this.data[lexer.pos] === 0x0a) lexer.pos += 1;
    const start = lexer.pos;
    let length = value.dict.get('Length');
    if (isRef(length)) length = this.resolve(length);
    let end = typeof length === 'number' ? start + length : -1;
    if (end < start || end > this.data.length || latin1(this.data, end, Math.min(this.data.length, end + 12)).trim().slice(0, 9) !== 'endstream') {
      const found = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength).indexOf('endstream', start);
      if (found < 0) throw new Unsupported('endstream');
      end = found;
      while (end > start && (this.data[end - 1] === 0x0a || this.data[end - 1] === 0x0d)) end -= 1;
    }
    return { dict: value.dict, stream: this.data.subarray(start, end) };
  }

  resolve(value: Value | undefined, hops = 0): Value | undefined {
    if (!isRef(value)) return value;
    if (hops > 16) throw new Unsupported('reference chain');
    const cached = this.cache.get(value.num);
    if (cached !== undefined) return this.resolve(cached, hops + 1);
    this.tick();
    const entry = this.xref.get(value.num);
    if (!entry) return null;
    let object: Value;
    if ('offset' in entry) {
      if (entry.offset < 0) return null;
      object = this.parseAt(entry.offset);
    } else {
      object = this.fromObjectStream(entry.stream, value.num);
    }
    this.cache.set(value.num, object);
    return this.resolve(object, hops + 1);
  }

  fromObjectStream(streamNumber: number, num: number): Value {
    let holder = this.objectStreams.get(streamNumber);
    if (!holder) {
      const stream = this.resolve({ ref: true, num: streamNumber, gen: 0 });
      if (!isStream(stream)) throw new Unsupported('object stream');
      const data = this.decode(stream);
      const count = stream.dict.get('N');
      const first = stream.dict.get('First');
      if (typeof count !== 'number' || typeof first !== 'number') throw new Unsupported('ObjStm');
      const lexer = new Lexer(data, 0);
      const offsets = new Map<number, number>();
      for (let k = 0; k < count; k += 1) {
        const objectNumber = Number(lexer.word());
        const at = Number(lexer.word());
        offsets.set(objectNumber, first + at);
      }
      holder = { data, offsets };
      this.objectStreams.set(streamNumber, holder);
    }
    const at = holder.offsets.get(num);
    if (at === undefined) return null;
    return new Lexer(holder.data, at).value(0);
  }

  decode(stream: Stream): Uint8Array {
    const filter = this.resolve(stream.dict.get('Filter'));
    const filters = Array.isArray(filter) ? filter.map((item) => this.resolve(item)) : filter == null ? [] : [filter];
    if (filters.length === 0) return stream.stream;
    if (filters.length > 1 || !isName(filters[0]) || filters[0].name !== 'FlateDecode') throw new Unsupported('filter');
    const inflated = inflateBounded(stream.stream, this.limits.maxBytes);
    if (inflated === null) throw new Unsupported('inflate');
    const parms = this.resolve(stream.dict.get('DecodeParms'));
    const parmsDict = isDictLike(parms) ? parms.dict : Array.isArray(parms) && isDictLike(parms[0]) ? (parms[0] as Dict).dict : null;
    const predictor = parmsDict?.get('Predictor');
    if (typeof predictor === 'number' && predictor >= 10) {
      const columns = parmsDict?.get('Columns');
      return unpredictPng(inflated, typeof columns === 'number' ? columns : 1);
    }
    if (typeof predictor === 'number' && predictor > 1) throw new Unsupported('TIFF predictor');
    return inflated;
  }

  dictOf(value: Value | undefined): Map<string, Value> | null {
    const resolved = this.resolve(value);
    return isDictLike(resolved) ? resolved.dict : null;
  }
}

function unpredictPng(data: Uint8Array, columns: number): Uint8Array {
  const rowLength = columns + 1;
  const rows = Math.floor(data.length / rowLength);
  const out = new Uint8Array(rows * columns);
  for (let row = 0; row < rows; row += 1) {
    const type = data[row * rowLength]!;
    for (let k = 0; k < columns; k += 1) {
      const raw = data[row * rowLength + 1 + k]!;
      const left = k > 0 ? out[row * columns + k - 1]! : 0;
      const up = row > 0 ? out[(row - 1) * columns + k]! : 0;
      const upLeft = row > 0 && k > 0 ? out[(row - 1) * columns + k - 1]! : 0;
      let value = raw;
      if (type === 1) value = raw + left;
      else if (type === 2) value = raw + up;
      else if (type === 3) value = raw + Math.floor((left + up) / 2);
      else if (type === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
      }
      out[row * columns + k] = value & 0xff;
    }
  }
  return out;
}

function textOf(value: Value | undefined): string | null {
  if (value instanceof Uint8Array) {
    if (value[0] === 0xfe && value[1] === 0xff) {
      const swapped = Buffer.from(value.subarray(2));
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    if (value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf) return Buffer.from(value.subarray(3)).toString('utf8');
    return Buffer.from(value).toString('latin1');
  }
  if (isName(value)) return value.name;
  return null;
}

/**
 * The embedded files reached from the catalog, or null when the fast path cannot tell (the caller
 * then parses the whole file with pdf-lib). An empty array means "looked, found none".
 */
export function listEmbeddedFilesFast(content: Uint8Array, file: string, limits: Limits, deadline: Deadline): PdfAttachment[] | null {
  const pdf = new LazyPdf(content, limits, deadline, file);
  try {
    pdf.readXref();
    const trailer = pdf.trailer;
    if (!trailer || trailer.has('Encrypt')) return null;
    const catalog = pdf.dictOf(trailer.get('Root'));
    if (!catalog) return null;
    const specs: Map<string, Value>[] = [];
    const seen = new Set<unknown>();
    const addSpec = (value: Value | undefined): void => {
      const key = isRef(value) ? `r${value.num}` : value;
      if (seen.has(key)) return;
      seen.add(key);
      const dict = pdf.dictOf(value);
      if (dict) specs.push(dict);
    };
    const walk = (node: Value | undefined, depth: number): void => {
      if (depth > limits.maxPdfDepth) throw new InvoiceFormatError(file, 'the PDF /EmbeddedFiles name tree', `is nested deeper than the limit of ${limits.maxPdfDepth} levels`);
      const key = isRef(node) ? `n${node.num}` : node;
      if (seen.has(key)) return;
      seen.add(key);
      const dict = pdf.dictOf(node);
      if (!dict) return;
      const names = pdf.resolve(dict.get('Names'));
      if (Array.isArray(names)) for (let index = 1; index < names.length; index += 2) addSpec(names[index]);
      const kids = pdf.resolve(dict.get('Kids'));
      if (Array.isArray(kids)) for (const kid of kids) walk(kid, depth + 1);
    };
    const names = pdf.dictOf(catalog.get('Names'));
    if (names) walk(names.get('EmbeddedFiles'), 0);
    const af = pdf.resolve(catalog.get('AF'));
    if (Array.isArray(af)) for (const spec of af) addSpec(spec);
    const attachments: PdfAttachment[] = [];
    const seenStreams = new Set<Value>();
    for (const spec of specs) {
      const ef = pdf.dictOf(spec.get('EF'));
      if (!ef) continue;
      const stream = pdf.resolve(ef.get('UF') ?? ef.get('F'));
      if (!isStream(stream) || seenStreams.has(stream)) continue;
      seenStreams.add(stream);
      const content = pdf.decode(stream);
      if (content.length > limits.maxBytes) throw new InvoiceFormatError(file, 'an embedded file', `exceeds the size limit of ${limits.maxBytes} bytes`);
      const subtype = pdf.resolve(stream.dict.get('Subtype'));
      const relationship = pdf.resolve(spec.get('AFRelationship'));
      attachments.push({
        filename: textOf(pdf.resolve(spec.get('UF'))) || textOf(pdf.resolve(spec.get('F'))) || 'attachment',
        mimeType: isName(subtype) ? subtype.name : null,
        description: textOf(pdf.resolve(spec.get('Desc'))),
        relationship: isName(relationship) ? relationship.name : null,
        content,
      });
    }
    return attachments;
  } catch (error) {
    if (error instanceof InvoiceFormatError) throw error;
    return null;
  }
}
