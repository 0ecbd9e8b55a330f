/**
 * An in-memory customer list for the read engine's tests: ascending numeric
 * ids, answers after a short random pause (so concurrent requests finish out
 * of order), and a hook that changes the list before a request is answered,
 * as a live shop does during a read.
 */
export interface FakeShop {
  ids: number[];
  requests: number;
  inFlight: number;
  peakInFlight: number;
  /** Called before each answer with the request number (1, 2, …). */
  churn?: (n: number, shop: FakeShop) => void;
  nextId: number;
}

export function fakeShop(count: number, churn?: FakeShop['churn']): FakeShop {
  const ids = Array.from({ length: count }, (_, i) => 1000 + i * 3);
  return { ids, requests: 0, inFlight: 0, peakInFlight: 0, churn, nextId: 1000 + count * 3 };
}

/** A deterministic pseudo-random number in [0, 1) for request n. */
function noise(n: number): number {
  const x = Math.sin(n * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

/** Answers one request: the churn runs, then `answer` reads the list, after a pause. */
export async function serve<T>(shop: FakeShop, answer: () => T): Promise<T> {
  shop.requests += 1;
  const n = shop.requests;
  shop.inFlight += 1;
  shop.peakInFlight = Math.max(shop.peakInFlight, shop.inFlight);
  try {
    await new Promise((resolve) => setTimeout(resolve, Math.floor(noise(n) * 4)));
    shop.churn?.(n, shop);
    return answer();
  } finally {
    shop.inFlight -= 1;
  }
}

export function create(shop: FakeShop, count: number): number[] {
  const made: number[] = [];
  for (let i = 0; i < count; i += 1) {
    shop.ids.push(shop.nextId);
    made.push(shop.nextId);
    shop.nextId += 3;
  }
  return made;
}

export function remove(shop: FakeShop, id: number): void {
  const at = shop.ids.indexOf(id);
  if (at >= 0) shop.ids.splice(at, 1);
}

/** Asserts what "nothing lost, nothing twice" means: every id in `stayed` once, nothing twice. */
export function exactlyOnce(read: number[], stayed: number[]): { missing: number[]; twice: number[] } {
  const seen = new Map<number, number>();
  for (const id of read) seen.set(id, (seen.get(id) ?? 0) + 1);
  return {
    missing: stayed.filter((id) => !seen.has(id)),
    twice: [...seen].filter(([, times]) => times > 1).map(([id]) => id),
  };
}
