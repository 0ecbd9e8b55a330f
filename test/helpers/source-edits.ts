import type { EmulatorHandle } from '../../src/emulator/types.js';

/**
 * Edits made in a shop by its own users, over the emulators' APIs (not
 * through custsync), for tests of what a later read sees.
 */
function authHeader(handle: EmulatorHandle): Record<string, string> {
  const auth = handle.profile.auth as { type: string; token?: string; username?: string; password?: string; name?: string; value?: string };
  if (auth.type === 'bearer') return { authorization: `Bearer ${auth.token}` };
  if (auth.type === 'basic') return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  if (auth.type === 'header') return { [auth.name!.toLowerCase()]: auth.value! };
  throw new Error(`no edits over ${auth.type} auth here`);
}

async function send(handle: EmulatorHandle, method: string, path: string, body: string, contentType: string): Promise<unknown> {
  const response = await fetch(`${handle.url}${path}`, { method, headers: { ...authHeader(handle), 'content-type': contentType }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text.startsWith('{') ? JSON.parse(text) : text;
}

/** Spiffy: the ids in list order. */
export async function spiffyIds(handle: EmulatorHandle): Promise<number[]> {
  const ids: number[] = [];
  for (let after = 0; ; ) {
    const response = await fetch(`${handle.url}/api/customers.json?limit=50&since_id=${after}&fields=id`, { headers: authHeader(handle) });
    const page = ((await response.json()) as { customers: Array<{ id: number }> }).customers;
    if (page.length === 0) return ids;
    ids.push(...page.map((c) => c.id));
    after = page[page.length - 1].id;
  }
}

/** Spiffy: a customer's last name changed (its `updated_at` moves to the emulator's now). */
export async function editSpiffy(handle: EmulatorHandle, id: number, lastName: string): Promise<void> {
  await send(handle, 'PUT', `/api/customers/${id}.json`, JSON.stringify({ customer: { id, last_name: lastName } }), 'application/json');
}

/** Spiffy: a new customer; returns its id. */
export async function createSpiffy(handle: EmulatorHandle, name: string): Promise<number> {
  const answer = (await send(handle, 'POST', '/api/customers.json', JSON.stringify({ customer: { first_name: 'New', last_name: name, email: `${name.toLowerCase()}@example.com` } }), 'application/json')) as {
    customer: { id: number };
  };
  return answer.customer.id;
}

/** ResultSet: columns of a customer set (`date_updated` moves on even when nothing differs, as the platform does). */
export async function editResultset(handle: EmulatorHandle, username: string, columns: Record<string, string>): Promise<void> {
  const cells = Object.entries(columns).map(([name, value]) => `<${name}>${value}</${name}>`).join('');
  await send(handle, 'PUT', `/API/V3/Customer/${encodeURIComponent(username)}`, `<ResultSet><Customer>${cells}</Customer></ResultSet>`, 'application/xml');
}

/** ResultSet: the usernames in list order. */
export async function resultsetUsernames(handle: EmulatorHandle): Promise<string[]> {
  const response = await fetch(`${handle.url}/API/V3/Customer?limit=1000`, { headers: authHeader(handle) });
  return [...(await response.text()).matchAll(/<username>([^<]*)<\/username>/g)].map((m) => m[1]);
}

/** ResultSet: one customer's column, as stored. */
export async function resultsetColumn(handle: EmulatorHandle, username: string, column: string): Promise<string | undefined> {
  const response = await fetch(`${handle.url}/API/V3/Customer/${encodeURIComponent(username)}`, { headers: authHeader(handle) });
  return new RegExp(`<${column}>([^<]*)</${column}>`).exec(await response.text())?.[1];
}
