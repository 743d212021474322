// Streaming XML mapping on saxes: no generic object tree is built. Each reader registers handlers
// keyed by the element path relative to the root, written with local names only
// ("AccountingSupplierParty/Party/PartyName/Name"), so that prefixes chosen by the producer do not
// matter. Hostile input is refused here once for every format: any DOCTYPE (hence any DTD, entity
// declaration or external entity: saxes never resolves entities beyond the five predefined ones),
// nesting deeper than the limit, and reads running past their deadline.
import { SaxesParser, type SaxesTagPlain } from 'saxes';

import { InvoiceFormatError } from '../errors.ts';
import type { Deadline, Limits } from '../limits.ts';
import { xmlDecoder } from './decode.ts';

export type XmlAttributes = Record<string, string>;

/**
 * Handlers of one format, built once per module (not per read) and keyed by relative path.
 * `close` handlers receive the element's text (all descendant text, concatenated); `end` handlers
 * only mark the end of a group; `stream` handlers receive the text chunk by chunk (base64 payloads).
 */
export type XmlMapping<S> = {
  open: Map<string, (state: S, attributes: XmlAttributes) => void>;
  close: Map<string, (state: S, text: string, attributes: XmlAttributes) => void>;
  end: Map<string, (state: S) => void>;
  stream: Map<string, (state: S, chunk: string, attributes: XmlAttributes) => void>;
};

export function emptyMapping<S>(): XmlMapping<S> {
  return { open: new Map(), close: new Map(), end: new Map(), stream: new Map() };
}

export type XmlRoot = { localName: string; namespace: string | null; attributes: XmlAttributes };

type Entry<S> = {
  open?: (state: S, attributes: XmlAttributes) => void;
  close?: (state: S, text: string, attributes: XmlAttributes) => void;
  end?: (state: S) => void;
  stream?: (state: S, chunk: string, attributes: XmlAttributes) => void;
};

// One lookup per element instead of four: the handlers of a path, indexed once per mapping.
const INDEXES = new WeakMap<object, Map<string, Entry<never>>>();

function indexOf<S>(mapping: XmlMapping<S>): Map<string, Entry<S>> {
  let index = INDEXES.get(mapping) as Map<string, Entry<S>> | undefined;
  if (index) return index;
  index = new Map();
  const entry = (path: string): Entry<S> => {
    let value = index!.get(path);
    if (!value) index!.set(path, (value = {}));
    return value;
  };
  for (const [path, handler] of mapping.open) entry(path).open = handler;
  for (const [path, handler] of mapping.close) entry(path).close = handler;
  for (const [path, handler] of mapping.end) entry(path).end = handler;
  for (const [path, handler] of mapping.stream) entry(path).stream = handler;
  INDEXES.set(mapping, index as Map<string, Entry<never>>);
  return index;
}

const CHUNK = 1 << 20;

/** The two fields of saxes' parser read to stream a long text node (saxes 6: S_TEXT is 13). */
type SaxesInternals = { state: number; text: string };
const SAXES_TEXT_STATE = 13;

export function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

export function prefixOf(qualified: string): string | null {
  const colon = qualified.indexOf(':');
  return colon < 0 ? null : qualified.slice(0, colon);
}

/** Refuses a DOCTYPE before the parser sees it (saxes would only report it after reading it). */
function assertNoDoctype(text: string, file: string): void {
  let index = 0;
  for (;;) {
    index = text.indexOf('<', index);
    if (index < 0) return;
    if (text.charCodeAt(index + 1) === 0x3f /* ? */) {
      index = text.indexOf('?>', index);
    } else if (text.startsWith('<!--', index)) {
      index = text.indexOf('-->', index);
    } else {
      if (/^<!DOCTYPE/i.test(text.slice(index, index + 9))) {
        throw new InvoiceFormatError(file, 'the DOCTYPE declaration', 'is refused: DTDs and entity declarations are never processed in an invoice');
      }
      return;
    }
    if (index < 0) return;
  }
}

/**
 * Parses `input` (text, or the document's bytes: then decoded chunk by chunk, so that a 50 MB
 * invoice is never held whole as a string beside its bytes), calling `choose` with the root element to get the mapping and its state, then the
 * mapping's handlers. Throws InvoiceFormatError naming the file, the element and the broken rule.
 */
export function streamXml<S>(
  input: string | Uint8Array,
  file: string,
  limits: Limits,
  deadline: Deadline,
  choose: (root: XmlRoot) => { mapping: XmlMapping<S>; state: S },
): { root: XmlRoot; state: S } {
  const parser = new SaxesParser({ xmlns: false, position: false });
  let mapping: XmlMapping<S> | null = null;
  let index: Map<string, Entry<S>> | null = null;
  const entries: (Entry<S> | undefined)[] = [];
  let current: Entry<S> | undefined;
  let state: S | null = null;
  let root: XmlRoot | null = null;
  const paths: string[] = [];
  let path = '';
  let depth = 0;
  // Text is collected only inside elements that have a close or stream handler.
  let collecting = 0;
  let textParts: string[] = [];
  let collectAttributes: XmlAttributes = {};
  let streaming: ((state: S, chunk: string, attributes: XmlAttributes) => void) | null = null;
  let failure: Error | null = null;

  parser.on('doctype', () => {
    throw new InvoiceFormatError(file, 'the DOCTYPE declaration', 'is refused: DTDs and entity declarations are never processed in an invoice');
  });
  parser.on('opentag', (node: SaxesTagPlain) => {
    depth += 1;
    if (depth > limits.maxXmlDepth) {
      throw new InvoiceFormatError(file, `element <${node.name}>`, `is nested deeper than the limit of ${limits.maxXmlDepth} levels`);
    }
    const attributes = node.attributes as XmlAttributes;
    if (mapping === null) {
      const prefix = prefixOf(node.name);
      const namespace = attributes[prefix === null ? 'xmlns' : `xmlns:${prefix}`] ?? null;
      root = { localName: localName(node.name), namespace, attributes };
      const chosen = choose(root);
      mapping = chosen.mapping;
      index = indexOf(mapping);
      state = chosen.state;
      paths.push('');
      path = '';
      return;
    }
    paths.push(path);
    entries.push(current);
    const name = localName(node.name);
    path = path === '' ? name : `${path}/${name}`;
    current = index!.get(path);
    if (current === undefined) return;
    if (current.open) current.open(state as S, attributes);
    if (collecting === 0) {
      if (current.close) {
        collecting = depth;
        textParts = [];
        collectAttributes = attributes;
      } else if (current.stream) {
        streaming = current.stream;
        collecting = depth;
        collectAttributes = attributes;
      }
    }
  });
  const onText = (chunk: string): void => {
    if (collecting === 0) return;
    if (streaming) streaming(state as S, chunk, collectAttributes);
    else textParts.push(chunk);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    if (collecting === depth) {
      collecting = 0;
      if (streaming) {
        streaming = null;
      } else if (current?.close) {
        current.close(state as S, textParts.length === 1 ? textParts[0]! : textParts.join(''), collectAttributes);
      }
      textParts = [];
    }
    if (current?.end) current.end(state as S);
    depth -= 1;
    path = paths.pop() ?? '';
    current = entries.pop();
  });
  parser.on('error', (error: Error) => {
    failure ??= error;
    throw error;
  });

  // The DOCTYPE, if any, precedes the root element: the first chunk is enough to refuse it early
  // (the parser's doctype handler stays as the backstop).
  let first = true;
  const internals = parser as unknown as SaxesInternals;
  const write = (chunk: string): void => {
    if (first) {
      assertNoDoctype(chunk, file);
      first = false;
    }
    if (chunk.length === 0) return;
    parser.write(chunk);
    // saxes keeps a text node whole until the next tag: inside a streamed element (a base64
    // attachment) hand over what it holds after each chunk, so that memory stays one chunk deep.
    if (streaming !== null && internals.state === SAXES_TEXT_STATE && internals.text.length > 0) {
      const pending = internals.text;
      internals.text = '';
      onText(pending);
    }
  };
  const timeUp = (): InvoiceFormatError => new InvoiceFormatError(file, 'the XML document', `could not be read within the time limit of ${deadline.timeoutMs} ms`);
  try {
    if (typeof input === 'string') {
      if (input.length <= CHUNK) write(input);
      else {
        for (let offset = 0; offset < input.length; offset += CHUNK) {
          if (deadline.expired()) throw timeUp();
          write(input.slice(offset, offset + CHUNK));
        }
      }
    } else {
      const { decoder, start } = xmlDecoder(input);
      if (input.length - start <= CHUNK) write(decoder.decode(input.subarray(start)));
      else {
        for (let offset = start; offset < input.length; offset += CHUNK) {
          if (deadline.expired()) throw timeUp();
          write(decoder.decode(input.subarray(offset, Math.min(offset + CHUNK, input.length)), { stream: true }));
        }
        write(decoder.decode());
      }
    }
    parser.close();
  } catch (error) {
    if (error instanceof InvoiceFormatError) throw error;
    const message = ((failure ?? error) as Error).message.replace(/\s+/g, ' ').replace(/\.$/, '');
    throw new InvoiceFormatError(file, 'the XML document', `is not well-formed (${message})`, { cause: error });
  }
  if (root === null || state === null) throw new InvoiceFormatError(file, 'the XML document', 'has no root element');
  return { root, state };
}
