import { createHash } from 'node:crypto';
import { emailKey } from '../../core/customer.js';
import type { DialectContext } from '../../core/dialect.js';
import { maxPageSize, searchAll } from './client.js';

/**
 * Who on Propeller has which email. Propeller allows two customers to share
 * an email (SPEC section 8), and its search cannot filter by email, so the
 * only way to tell that a customer just created shares one is to read the
 * whole base once: one unfiltered search page of 100 after another, each
 * email compared on the client.
 *
 * Memory: a 52-bit hash of each email and its customer id (a list for the
 * few emails already shared), not the emails, so that a large base stays
 * small (a collision, about 1 in 10^4 over a million customers, would at
 * worst name a shared email that is not).
 */
export class EmailOwners {
  /** Email hash → the id of the customer that has it, or the ids (up to {@link keptIds}) when several do. */
  private constructor(private readonly owners: Map<number, number | number[]>) {}

  /** Reads every customer of the base (id and email only). */
  static async scan(ctx: DialectContext): Promise<EmailOwners> {
    const owners = new Map<number, number | number[]>();
    for await (const page of searchAll(ctx, {}, { sources: false, pageSize: maxPageSize })) {
      for (const customer of page) {
        const hash = hashOf(customer.email ?? undefined);
        if (hash === undefined) continue;
        const id = Number(customer.id);
        const known = owners.get(hash);
        if (known === undefined || known === id) owners.set(hash, id);
        else if (typeof known === 'number') owners.set(hash, [known, id]);
        else if (known.length < keptIds && !known.includes(id)) known.push(id);
      }
    }
    return new EmailOwners(owners);
  }

  /** The ids of the other customers than `id` with this email (the first few), empty when there are none. */
  otherThan(email: string, id: number): number[] {
    const hash = hashOf(email);
    const owners = hash === undefined ? undefined : this.owners.get(hash);
    if (owners === undefined) return [];
    return (typeof owners === 'number' ? [owners] : owners).filter((owner) => owner !== id);
  }
}

/** Ids kept for one email: enough to name them in a message. */
const keptIds = 4;

function hashOf(email: string | undefined): number | undefined {
  const key = emailKey(email);
  if (!key) return undefined;
  const digest = createHash('sha1').update(key).digest();
  return digest.readUIntBE(0, 6) * 16 + (digest[6] >> 4);
}
