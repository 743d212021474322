// A small registry to declare a format's handlers by relative path (see stream.ts).
import { emptyMapping, type XmlAttributes, type XmlMapping } from './stream.ts';

export class MappingBuilder<S> {
  readonly mapping: XmlMapping<S> = emptyMapping<S>();

  constructor(private readonly alias: (path: string) => string[] = (path) => [path]) {}

  open(path: string, handler: (state: S, attributes: XmlAttributes) => void): this {
    for (const variant of this.alias(path)) chain(this.mapping.open, variant, handler);
    return this;
  }

  close(path: string, handler: (state: S, text: string, attributes: XmlAttributes) => void): this {
    for (const variant of this.alias(path)) this.mapping.close.set(variant, handler);
    return this;
  }

  end(path: string, handler: (state: S) => void): this {
    for (const variant of this.alias(path)) chain(this.mapping.end, variant, handler);
    return this;
  }

  stream(path: string, handler: (state: S, chunk: string, attributes: XmlAttributes) => void): this {
    for (const variant of this.alias(path)) this.mapping.stream.set(variant, handler);
    return this;
  }
}

function chain<F extends (...args: never[]) => void>(map: Map<string, F>, path: string, handler: F): void {
  const existing = map.get(path);
  if (!existing) {
    map.set(path, handler);
    return;
  }
  map.set(path, ((...args: Parameters<F>) => {
    existing(...args);
    handler(...args);
  }) as F);
}
