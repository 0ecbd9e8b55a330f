import { afterEach, describe, expect, it } from 'vitest';
import { apiRoot, startPropellerEmulator, tokenPath, type PropellerEmulatorHandle } from '../../../src/dialects/propeller/emulator.js';

/**
 * The emulator speaks Propeller as SPEC section 8 describes it: the tests of
 * the client learn the platform from it, so it is held to the letter here,
 * over real HTTP.
 */

let handle: PropellerEmulatorHandle | undefined;
afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function token(h: PropellerEmulatorHandle): Promise<Json> {
  const auth = h.profile.auth as { clientId: string; clientSecret: string };
  const response = await fetch(`${h.url}${tokenPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret }).toString(),
  });
  return (await response.json()) as Json;
}

async function call(h: PropellerEmulatorHandle, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const { access_token } = await token(h);
  const response = await fetch(`${h.url}${apiRoot}${path}`, {
    method,
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const address = { code: 'billing-1', type: 'invoice', isDefault: 'Y', street: 'Dam 1', city: 'Amsterdam', country: 'NL' };

describe('propeller emulator', () => {
  it('answers tokens at /oauth2/token beside /v2, with BearerToken and expires_in as a string by default', async () => {
    handle = await startPropellerEmulator({ customers: 0 });
    expect(handle.profile.baseUrl).toBe(`${handle.url}/v2`);
    expect(await token(handle)).toMatchObject({ token_type: 'BearerToken', expires_in: '3600' });
    await handle.close();
    handle = await startPropellerEmulator({ customers: 0, tokenType: null, expiresInAs: 'number' });
    const answer = await token(handle);
    expect(answer).not.toHaveProperty('token_type');
    expect(answer.expires_in).toBe(3600);
  });

  it('returns sources only with ?expands=sources, never flat', async () => {
    handle = await startPropellerEmulator({ customers: 2 });
    const plain = await call(handle, 'GET', '/customers/id/1');
    expect(plain.body.data).not.toHaveProperty('sources');
    expect(plain.body.data).not.toHaveProperty('sourceId');
    expect(plain.body.data).not.toHaveProperty('source');
    const expanded = await call(handle, 'POST', '/customers/search?expands=sources', { page: 1, offset: 10 });
    expect(expanded.body.data[0].sources).toEqual([{ source: 'ERP', sourceId: 'C000001' }]);
    expect(expanded.body.data[1].sources).toEqual([{ source: 'CRM', sourceId: 'CRM-2' }, { source: 'ERP', sourceId: 'C000002' }]);
    expect((await call(handle, 'GET', '/customers/sourceId/C000002?source=ERP&expands=sources')).body.data.id).toBe(2);
  });

  it('answers in the platform forms: upper case, "August, 28 1993 …", local times, "" for absent values', async () => {
    handle = await startPropellerEmulator({ customers: 0 });
    await call(handle, 'POST', '/customers/bulk/sourceId', { customers: [{ source: 'S', sourceId: 'A', firstName: 'An', gender: 'f', primaryLanguage: 'nl', dateOfBirth: '1993-08-28' }] });
    const { data } = (await call(handle, 'GET', '/customers/sourceId/A?source=S')).body;
    expect(data).toMatchObject({ firstName: 'An', lastName: '', middleName: '', email: '', mobile: '', fax: '', gender: 'F', primaryLanguage: 'NL', dateOfBirth: 'August, 28 1993 00:00:00 +0000' });
    expect(data.dateCreated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  it('has no rule about emails: two customers may share one', async () => {
    handle = await startPropellerEmulator({ customers: 0 });
    const answer = await call(handle, 'POST', '/customers/bulk/sourceId', {
      customers: [{ source: 'S', sourceId: '1', email: 'same@example.com' }, { source: 'T', sourceId: '1', email: 'same@example.com' }],
    });
    expect(answer.body.data.map((d: Json) => [d.action, d.success, d.key])).toEqual([['create', true, 1], ['create', true, 1]]);
  });

  it('fails the whole bulk call on a key the reference does not publish, naming the item', async () => {
    handle = await startPropellerEmulator({ customers: 0 });
    const answer = await call(handle, 'POST', '/customers/bulk/sourceId', {
      customers: [{ source: 'S', sourceId: 'OK' }, { source: 'S', sourceId: 'B', company: 'Acme', addresses: [{ ...address, floor: 3 }] }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 10007, type: 'SchemaValidationException' });
    expect(answer.body.error.messages).toEqual([
      '#/customers/1: extraneous key [company] is not permitted',
      '#/customers/1/addresses/0: extraneous key [floor] is not permitted',
    ]);
    expect((await call(handle, 'GET', '/customers/sourceId/OK?source=S')).status).toBe(404);
  });

  it('takes addresses inline, matched on type + code, and refuses an item whose address lacks street, city or country', async () => {
    handle = await startPropellerEmulator({ customers: 0 });
    const first = await call(handle, 'POST', '/customers/bulk/sourceId', {
      customers: [{ source: 'S', sourceId: 'A', addresses: [address] }, { source: 'S', sourceId: 'B', addresses: [{ type: 'delivery', street: 'X 1' }] }],
    });
    expect(first.body.data[0]).toMatchObject({ success: true, action: 'create' });
    expect(first.body.data[1]).toMatchObject({ success: false, error: { code: 10007, messages: ['addresses/0/city: is required', 'addresses/0/country: is required'] } });
    await call(handle, 'POST', '/customers/bulk/sourceId', { customers: [{ source: 'S', sourceId: 'A', addresses: [{ ...address, street: 'Dam 2' }] }] });
    const stored = await call(handle, 'GET', '/customers/sourceId/A/addresses?source=S');
    expect(stored.body.data.map((a: Json) => [a.code, a.street, a.postalCode])).toEqual([['billing-1', 'Dam 2', '']]);
  });

  it('searches only on debtorIds, dateCreated and dateModified (local times), and ignores every other field', async () => {
    handle = await startPropellerEmulator({ customers: 15 });
    const all = await call(handle, 'POST', '/customers/search', { page: 1, offset: 100, email: 'nobody@example.com', sourceIds: ['C000001'], anything: true });
    expect(all.body).toMatchObject({ total: 15, pages: 1, itemsFound: 15, page: 1, offset: 100 });
    const byDebtor = await call(handle, 'POST', '/customers/search', { debtorIds: ['10003'] });
    expect(byDebtor.body.data.map((c: Json) => c.id)).toEqual([3]);
    const paged = await call(handle, 'POST', '/customers/search', {});
    expect(paged.body).toMatchObject({ offset: 12, pages: 2 });
    expect(paged.body.data).toHaveLength(12);
    const future = await call(handle, 'POST', '/customers/search', { dateModified: { from: '2100-01-01T00:00:00' } });
    expect(future.body.total).toBe(0);
    const withOffset = await call(handle, 'POST', '/customers/search', { dateModified: { from: '2020-01-01T00:00:00+01:00' } });
    expect(withOffset.status).toBe(400);
    expect(withOffset.body.error.code).toBe(10007);
    expect((await call(handle, 'POST', '/customers/search', { offset: 101 })).status).toBe(400);
  });
});
