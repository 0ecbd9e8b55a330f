import type { Dialect } from '../../core/dialect.js';
import { countCustomers, findCustomer, readCustomers, splitCustomers, writeCustomers } from './client.js';
import { project, toWire } from './mapping.js';

/** Cabinetry.Online (SPEC sections 4 and 8 `cabinetry`; docs/dialects/cabinetry.md). */
export const cabinetryDialect: Dialect = {
  id: 'cabinetry',
  title: 'Cabinetry.Online admin API: JSON REST under /api/admin/customers (X-GC-API-KEY)',
  kind: 'remote',
  // Upserts match existing customers, so a record in flight from a stopped run is safely sent again.
  upsertMatches: true,
  read: readCustomers,
  // migrate --workers: id parts, each read by keyset paging (client.ts).
  split: splitCustomers,
  write: (ctx, records, options) => writeCustomers(ctx, records, options),
  find: findCustomer,
  // The document's mandatory fields and a well-formed email: what writeOne rejects before sending.
  check: (record) => {
    const { problems } = toWire(record);
    return problems.length > 0 ? problems.join('; ') : undefined;
  },
  count: countCustomers,
  project: (record, ctx) => project(record, ctx.profileName),
  preview: (record) => {
    const { payload, problems } = toWire(record);
    return problems.length > 0 ? { payload, wouldBeRejected: problems } : payload;
  },
  // Loaded on demand: the generator behind it is heavy, and most runs never start an emulator.
  emulator: { start: async (options) => (await import('./emulator.js')).cabinetryEmulator.start(options) },
};
