import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startResultsetEmulator } from '../../../src/dialects/resultset/emulator.js';
import { libraryTree, parseXml } from '../../../src/dialects/resultset/xml.js';
import type { EmulatorHandle } from '../../../src/emulator/types.js';

/** ResultSet answers are read into a tree by hand (xml-tree.ts): it must be fast-xml-parser's tree, exactly. */
let emulator: EmulatorHandle;
beforeAll(async () => {
  emulator = await startResultsetEmulator({ customers: 230, seed: 5 });
});
afterAll(async () => {
  await emulator.close();
});

async function page(path: string): Promise<string> {
  const auth = emulator.profile.auth as { username: string; password: string };
  const response = await fetch(`${emulator.url}${path}`, { headers: { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } });
  return response.text();
}

describe('the ResultSet tree', () => {
  it("is fast-xml-parser's tree for the emulator's pages, one customer, errors, and the document's examples", async () => {
    const texts = [
      await page('/API/V3/Customer+UserCustomerGroups?page=1&limit=100'),
      await page('/API/V3/Customer+UserCustomerGroups?page=3&limit=100'),
      await page('/API/V3/Customer+UserCustomerGroups?page=9&limit=100'),
      await page('/API/V3/Customer+UserCustomerGroups/C000007'),
      await page('/API/V3/Customer+UserCustomerGroups/nobody'),
      await page('/API/V3/Customer+UserCustomerGroups?page=1&limit=5000'),
    ];
    const fixtures = join(import.meta.dirname, '../../fixtures/resultset');
    for (const name of readdirSync(fixtures).filter((f) => f.endsWith('.xml'))) texts.push(readFileSync(join(fixtures, name), 'utf8'));
    expect(texts.filter((t) => t.includes('<Customer>')).length).toBeGreaterThanOrEqual(4);
    for (const text of texts) expect(parseXml(text, 'test')).toEqual(libraryTree(text));
  });

  it('agrees on the odd corners: entities, attributes, empty and repeated elements, comments, CDATA, a declaration', () => {
    const texts = [
      '<?xml version="1.0"?>\n<!-- a comment --><ResultSet total="2" page=\'1\'><Customer><username> a&amp;b &#233;&#x41; </username><note></note><x/><y a="1 &lt; 2"/><y>2</y><y>3</y></Customer></ResultSet>',
      '<ResultSet total="0" page="1" limit="100"/>',
      '<ResultSet><Error><code>404</code><message>No &quot;such&quot; customer</message></Error></ResultSet>',
      '<ResultSet><Customer><note><![CDATA[<b>&amp; kept</b>]]></note><w>  spaced  out  </w></Customer><Customer/></ResultSet>',
      '<ResultSet><Result><username>u</username><action>create</action></Result></ResultSet>',
      '<a>text<b>1</b></a>',
    ];
    for (const text of texts) expect(parseXml(text, 'test'), text).toEqual(libraryTree(text));
  });

  it('still refuses malformed XML and DOCTYPEs, naming the request', () => {
    expect(() => parseXml('<ResultSet><Customer></ResultSet>', 'GET /x')).toThrow(/GET \/x answered with XML that is malformed/);
    expect(() => parseXml('<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', 'GET /x')).toThrow(/DOCTYPE/);
  });
});
