/**
 * The XML writer of the Open311 facade: a JSON-shaped answer as the spec's XML, with the element names
 * of its examples (`<services><service>…`, `<service_requests><request>…`, `<errors><error>…`).
 */

/** An answer as the facade builds it; objects become elements, arrays lists of item elements. */
export type XmlValue = string | number | boolean | null | XmlValue[] | { [key: string]: XmlValue };

/** Element names of list items, as in the spec's examples. */
const ITEM_ELEMENTS: Record<string, string> = { services: 'service', service_requests: 'request', errors: 'error', attributes: 'attribute' };
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// XML 1.0 cannot carry most control characters or unpaired surrogates at all, escaped or not.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escapeXml = (text: string): string => text.replace(XML_INVALID, '\ufffd').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

function toXml(name: string, value: XmlValue): string {
  if (value === null) return `<${name}/>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml(ITEM_ELEMENTS[name] ?? 'item', v)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A whole XML document with `root` as its root element. */
export function xmlDocument(root: string, value: XmlValue): string {
  return `<?xml version="1.0" encoding="utf-8"?>${toXml(root, value)}`;
}
