import type { Dialect } from '../../core/dialect.js';
import { SpiffyApi, readRateLimitHeader } from './client.js';
import { projectRecord, toWire } from './mapping.js';
import { readSpiffy, splitSpiffy } from './read.js';
import { checkRecord, writeRecords } from './write.js';

/** Spiffy Stores: JSON REST under `/api/customers.json` (SPEC sections 4 and 8 `spiffy`). */
export const spiffyDialect: Dialect = {
  id: 'spiffy',
  title: 'Spiffy Stores customer API (JSON REST, limit/page paging, max 50 a page)',
  kind: 'remote',
  // Upserts match existing customers, so a record in flight from a stopped run is safely sent again.
  upsertMatches: true,
  // --since (and --incremental) filter on the server (filters.ts).
  changeFilter: 'updated_at_min',

  // Keyset paging in concurrent id windows; the server filters a superset and the whole query is applied again (read.ts).
  read: readSpiffy,
  // migrate --workers: id parts, each read by keyset paging (read.ts).
  split: splitSpiffy,

  write: (ctx, records, options) => writeRecords(ctx, records, options),

  check: (record) => checkRecord(record),

  async find(ctx, record) {
    const found = await new SpiffyApi(ctx).locate(record);
    return found ? String(found.id) : undefined;
  },

  count: (ctx) => new SpiffyApi(ctx).count(),

  project: (record, ctx) => projectRecord(record, ctx.profileName),

  preview: (record) => ({ customer: toWire(record) }),

  http: { onResponse: readRateLimitHeader },

  // Loaded on demand: the emulator pulls in the customer generator (faker), which a real run never needs.
  emulator: { start: async (options) => (await import('./emulator.js')).startSpiffyEmulator(options) },
};
