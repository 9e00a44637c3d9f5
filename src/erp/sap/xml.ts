/** Typed access to what fast-xml-parser makes of a document: elements are objects, repeated ones arrays, text and attributes strings. */
export type XmlNode = { readonly [name: string]: unknown };

const isNode = (value: unknown): value is XmlNode => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The elements `name` under `node` (one or many, as the parser made them). */
export function children(node: unknown, name: string): XmlNode[] {
  if (!isNode(node)) return [];
  const value = node[name];
  return (Array.isArray(value) ? value : [value]).filter(isNode);
}

export function child(node: unknown, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

/** An element's text or an attribute's value, trimmed; undefined when absent or empty. */
export function textOf(node: unknown, name: string): string | undefined {
  if (!isNode(node)) return undefined;
  const value = node[name];
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : isNode(value) && typeof value['#text'] === 'string' ? value['#text'] : undefined;
  return text !== undefined && text.trim() !== '' ? text.trim() : undefined;
}
