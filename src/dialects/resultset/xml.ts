import { createRequire } from 'node:module';
import type * as FastXmlParser from 'fast-xml-parser';
import { ProtocolError, snippet } from '../../core/errors.js';
import type { HttpResponse } from '../../http/client.js';
import { buildTree } from './xml-tree.js';

/**
 * XML in and out of the ResultSet API. Reading is defensive (SPEC section 6):
 * entity expansion is off (`processEntities: false`; only the five predefined
 * entities and character references are decoded, by hand), a DOCTYPE is
 * refused outright so that no entity bomb is ever looked at, every value stays
 * a string (usernames like `00123` and zips survive), and malformed XML is a
 * {@link ProtocolError} naming the request and the line.
 */

/** Nodes that are lists even when one is present. */
const listNodes = new Set(['Customer', 'UserCustomerGroup', 'UserGroup', 'Result', 'Error']);

const predefined: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the predefined entities and character references; anything else is left as it is. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g, (whole, name: string) => {
    if (name[0] !== '#') return predefined[name];
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

// fast-xml-parser is loaded on first use, from its one-file CommonJS build: runs that never read or
// write XML (every other dialect) do not pay for loading it.
let fxp: typeof FastXmlParser | undefined;
function xmlLibrary(): typeof FastXmlParser {
  fxp ??= createRequire(import.meta.url)('fast-xml-parser') as typeof FastXmlParser;
  return fxp;
}

/** fast-xml-parser's own tree, which `buildTree` gives too: kept for the test that holds them equal. */
export function libraryTree(text: string): unknown {
  return parser().parse(text) as unknown;
}

let parserInstance: FastXmlParser.XMLParser | undefined;
const parser = (): FastXmlParser.XMLParser => (parserInstance ??= new (xmlLibrary().XMLParser)({
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  isArray: (name) => listNodes.has(name),
  tagValueProcessor: (_name, value) => decodeEntities(value),
  attributeValueProcessor: (_name, value) => decodeEntities(value),
}));

/** A parsed node: child elements by name, attributes as `@name`, text as strings. */
export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

/** Parses XML text; `where` names the request for messages. Throws ProtocolError, never a parser stack. */
export function parseXml(text: string, where: string, status?: number): XmlNode {
  const fail = (what: string): never => {
    throw new ProtocolError(`${where} answered${status === undefined ? '' : ` ${status}`} with XML that ${what}`, {
      status,
      bodySnippet: snippet(text),
      hint: 'the server did not answer as a ResultSet API does: check the baseUrl of the profile',
    });
  };
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    fail('carries a DOCTYPE or entity declarations, which custsync refuses to read (entity expansion is off)');
  }
  if (text.trim() === '') fail('is empty');
  const valid = xmlLibrary().XMLValidator.validate(text);
  if (valid !== true) fail(`is malformed: line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  // Well-formed now: the tree is built by hand (xml-tree.ts), the same tree fast-xml-parser's parser gives, at a fraction of its cost.
  return buildTree(text, listNodes, decodeEntities) ?? fail('has no root element');
}

/** Parses an HTTP answer's body. */
export function parseXmlResponse(response: HttpResponse): XmlNode {
  return parseXml(response.text, response.label, response.status);
}

/** XML 1.0 cannot carry most C0 controls, not even escaped: they are dropped from what is written. */
function xmlSafe(value: string): string {
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

let builderInstance: FastXmlParser.XMLBuilder | undefined;
const builder = (): FastXmlParser.XMLBuilder => (builderInstance ??= new (xmlLibrary().XMLBuilder)({
  format: true,
  indentBy: '  ',
  processEntities: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  suppressEmptyNode: false,
  tagValueProcessor: (_name, value) => (typeof value === 'string' ? xmlSafe(value) : value),
  attributeValueProcessor: (_name, value) => (typeof value === 'string' ? xmlSafe(value) : value),
}));

/** Builds an XML document from nodes shaped like {@link XmlNode}; values are escaped (`&`, `<`, `>`, quotes). */
export function buildXml(root: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder().build(root) as string}`;
}

/** A child's text, or undefined when absent or not text. */
export function text(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** A list child (always an array for the {@link listNodes}). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  if (value === undefined || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (typeof item === 'string' ? {} : (item as XmlNode)));
}
