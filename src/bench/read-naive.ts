import { parseXml } from '../dialects/resultset/xml.js';
import type { Profile } from '../profiles/schema.js';

/**
 * The baseline of the read benchmark: a plain sequential page loop over an
 * emulator, as anyone would first write it in Node (fetch, parse the body,
 * next page), with the profile's page size. No mapping, no output, no
 * concurrency: the floor that custsync's whole process is compared with.
 */
export interface NaiveResult {
  records: number;
  requests: number;
  ms: number;
  /** CPU time of the loop's process (user + system, start-up included), in ms. */
  cpuMs?: number;
}

/** `stopAfter`: a warm-up stops once it has read that many customers. */
type Loop = (profile: Profile, pageSize: number, stopAfter: number) => Promise<Omit<NaiveResult, 'ms'>>;

function authHeader(profile: Profile): Record<string, string> {
  const auth = profile.auth;
  if (auth?.type === 'bearer') return { authorization: `Bearer ${auth.token}` };
  if (auth?.type === 'basic') return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  if (auth?.type === 'header') return { [auth.name]: auth.value };
  return {};
}

async function get(url: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

const loops: Record<string, Loop> = {
  async spiffy(profile, pageSize, stopAfter) {
    let records = 0;
    for (let page = 1; ; page += 1) {
      const { customers } = JSON.parse(await get(`${profile.baseUrl}/api/customers.json?limit=${pageSize}&page=${page}`, authHeader(profile))) as { customers: unknown[] };
      records += customers.length;
      if (customers.length < pageSize || records >= stopAfter) return { records, requests: page };
    }
  },

  async cabinetry(profile, pageSize, stopAfter) {
    let records = 0;
    for (let page = 1; ; page += 1) {
      const answer = JSON.parse(await get(`${profile.baseUrl}/api/admin/customers?current_page=${page}&page_size=${pageSize}`, authHeader(profile))) as {
        items: unknown[];
        pagination: { page_count: number };
      };
      records += answer.items.length;
      if (page >= answer.pagination.page_count || answer.items.length === 0 || records >= stopAfter) return { records, requests: page };
    }
  },

  async resultset(profile, pageSize, stopAfter) {
    let records = 0;
    for (let page = 1; ; page += 1) {
      const url = `${profile.baseUrl}/API/V3/Customer+UserCustomerGroups?page=${page}&limit=${pageSize}`;
      const root = parseXml(await get(url, { ...authHeader(profile), accept: 'application/xml' }), url).ResultSet as { Customer?: unknown[] };
      const customers = root.Customer ?? [];
      records += customers.length;
      if (customers.length < pageSize || records >= stopAfter) return { records, requests: page };
    }
  },

  // Search pages, then each customer's addresses (both kinds in one request), one after another.
  async propeller(profile, pageSize, stopAfter) {
    const auth = profile.auth;
    if (auth?.type !== 'oauth2') throw new Error('the propeller emulator profile has no oauth2 auth');
    const tokenUrl = new URL(auth.tokenUrl, new URL(profile.baseUrl!).origin).toString();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret });
    const token = (await (await fetch(tokenUrl, { method: 'POST', body: form })).json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token.access_token}`, accept: 'application/json' };
    const base = profile.baseUrl!.replace(/\/$/, '');
    let records = 0;
    let requests = 1;
    for (let page = 1; ; page += 1) {
      const response = await fetch(`${base}/customers/search?expands=sources`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ page, offset: pageSize }),
      });
      requests += 1;
      const answer = JSON.parse(await response.text()) as { data: Array<{ id: number }>; pages: number };
      for (const customer of answer.data) {
        JSON.parse(await get(`${base}/customers/id/${customer.id}/addresses`, headers));
        requests += 1;
      }
      records += answer.data.length;
      if (page >= answer.pages || answer.data.length === 0 || records >= stopAfter) return { records, requests };
    }
  },
};

export function hasNaiveLoop(dialect: string): boolean {
  return dialect in loops;
}

export async function naiveRead(dialect: string, profile: Profile, pageSize: number, stopAfter = Infinity): Promise<NaiveResult> {
  const started = performance.now();
  const result = await loops[dialect](profile, pageSize, stopAfter);
  return { ...result, ms: performance.now() - started };
}

// Run as its own process by the benchmark (`node read-naive.js DIALECT PROFILE_JSON PAGE_SIZE [STOP_AFTER]`), so
// that the loop does not share a thread with the emulator: it prints its result as JSON.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [dialect, profile, pageSize, stopAfter] = process.argv.slice(2);
  const result = await naiveRead(dialect, JSON.parse(profile) as Profile, Number(pageSize), stopAfter === undefined ? Infinity : Number(stopAfter));
  const usage = process.resourceUsage();
  process.stdout.write(`${JSON.stringify({ ...result, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 })}\n`);
}
