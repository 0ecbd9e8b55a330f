/**
 * A tree builder for XML that the validator has already passed (xml.ts runs
 * fast-xml-parser's `XMLValidator` first and refuses DOCTYPEs), giving the
 * same tree as fast-xml-parser with xml.ts's options: child elements by name
 * (a list when repeated, or always for `listNodes`), attributes as `@name`,
 * text trimmed and decoded (the five predefined entities and character
 * references only, CDATA too), `''` for an empty element, `#text` beside children or
 * attributes, comments, declarations and processing instructions left out.
 *
 * Why not fast-xml-parser's own parser: it cost ResultSet reads about 1 ms
 * per customer, more than everything else a pull does with the record
 * (docs/performance.md). test/dialects/resultset/xml-tree.test.ts checks
 * that both give the same tree.
 */
import type { XmlNode, XmlValue } from './xml.js';

type Decode = (text: string) => string;

interface Open {
  name: string;
  node: XmlNode;
  text: string;
  children: boolean;
  attributes: boolean;
}

/** Lists made because a name came twice (not one of `listNodes`): a third one joins them. */
const repeated = new WeakSet<XmlValue[]>();

function add(parent: XmlNode, name: string, value: XmlValue, listNodes: ReadonlySet<string>): void {
  const existing = parent[name];
  if (existing === undefined) parent[name] = listNodes.has(name) ? [value] : value;
  else if (Array.isArray(existing) && (listNodes.has(name) || repeated.has(existing))) existing.push(value);
  else {
    const list: XmlValue[] = [existing, value];
    repeated.add(list);
    parent[name] = list;
  }
}

const attributePattern = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** The tree of well-formed XML `text` (see the module comment); undefined when it has no root element. */
export function buildTree(text: string, listNodes: ReadonlySet<string>, decode: Decode): XmlNode | undefined {
  const root: XmlNode = {};
  const stack: Open[] = [{ name: '', node: root, text: '', children: false, attributes: false }];
  let at = 0;
  let sawElement = false;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const top = stack[stack.length - 1];
    if (lt < 0) {
      top.text += text.slice(at);
      break;
    }
    if (lt > at) top.text += text.slice(at, lt);
    if (text.startsWith('<!--', lt)) {
      at = text.indexOf('-->', lt + 4) + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const close = text.indexOf(']]>', lt + 9);
      // Joined to the text and decoded with it, as fast-xml-parser (with xml.ts's value processor) does.
      top.text += text.slice(lt + 9, close);
      at = close + 3;
      continue;
    }
    if (text[lt + 1] === '?') {
      at = text.indexOf('?>', lt + 2) + 2;
      continue;
    }
    if (text[lt + 1] === '!') {
      at = text.indexOf('>', lt + 2) + 1;
      continue;
    }
    const gt = tagEnd(text, lt);
    if (text[lt + 1] === '/') {
      const open = stack.pop()!;
      add(stack[stack.length - 1].node, open.name, close(open, decode), listNodes);
      stack[stack.length - 1].children = true;
      at = gt + 1;
      continue;
    }
    const selfClosing = text[gt - 1] === '/';
    const inner = text.slice(lt + 1, selfClosing ? gt - 1 : gt);
    const space = inner.search(/\s/);
    const name = space < 0 ? inner : inner.slice(0, space);
    const node: XmlNode = {};
    let attributes = false;
    if (space >= 0) {
      attributePattern.lastIndex = 0;
      for (let match = attributePattern.exec(inner); match; match = attributePattern.exec(inner)) {
        node[`@${match[1]}`] = decode((match[2] ?? match[3]).trim());
        attributes = true;
      }
    }
    sawElement = true;
    const open: Open = { name, node, text: '', children: false, attributes };
    if (selfClosing) {
      add(top.node, name, close(open, decode), listNodes);
      top.children = true;
    } else stack.push(open);
    at = gt + 1;
  }
  return sawElement ? root : undefined;
}

/** Where the tag opened at `lt` ends (a `>` outside quoted attribute values). */
function tagEnd(text: string, lt: number): number {
  let quote = '';
  for (let i = lt + 1; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return text.length;
}

function textOf(raw: string, decode: Decode): string {
  return decode(raw.trim());
}

function close(open: Open, decode: Decode): XmlValue {
  const text = textOf(open.text, decode);
  if (!open.children && !open.attributes) return text;
  if (text !== '') open.node['#text'] = text;
  return open.node;
}
