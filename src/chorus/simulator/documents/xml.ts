// A tiny XML writer: documents are built as trees and serialised with escaping, so no value can
// break the markup (supplier names with "&" or "<" are common).
export type XmlNode = { name: string; attributes?: Record<string, string | null | undefined>; children?: (XmlNode | null | undefined | false)[]; text?: string | null };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Element helper: el('cbc:ID', {schemeID: '0009'}, '123') or el('cac:Party', {}, [children]). */
export function el(
  name: string,
  attributes: Record<string, string | null | undefined> = {},
  content?: string | null | (XmlNode | null | undefined | false)[],
): XmlNode {
  if (Array.isArray(content)) return { name, attributes, children: content };
  return { name, attributes, text: content ?? null };
}

export function serialize(node: XmlNode, indent = ''): string {
  const attributes = Object.entries(node.attributes ?? {})
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(value as string)}"`)
    .join('');
  const children = (node.children ?? []).filter((child): child is XmlNode => Boolean(child));
  if (children.length > 0) {
    const inner = children.map((child) => serialize(child, `${indent}  `)).join('\n');
    return `${indent}<${node.name}${attributes}>\n${inner}\n${indent}</${node.name}>`;
  }
  if (node.text === null || node.text === undefined) return `${indent}<${node.name}${attributes}/>`;
  return `${indent}<${node.name}${attributes}>${escapeXml(node.text)}</${node.name}>`;
}

export function xmlDocument(root: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serialize(root)}\n`;
}
