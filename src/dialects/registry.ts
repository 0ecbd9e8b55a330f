import type { Dialect } from '../core/dialect.js';
import { cabinetryDialect } from './cabinetry/index.js';
import { csvDialect } from './csv/index.js';
import { jsonlDialect } from './jsonl/index.js';
import { resultsetDialect } from './resultset/index.js';
import { spiffyDialect } from './spiffy/index.js';
import { propellerDialect } from './propeller/index.js';
import { shopifyCsvDialect } from './shopify-csv/index.js';
import { woocommerceCsvDialect } from './woocommerce-csv/index.js';
import { matrixifyCsvDialect } from './matrixify-csv/index.js';

/** Every dialect custsync knows, by id. A new dialect is a new folder and one line here. */
export const dialects: Readonly<Record<string, Dialect>> = {
  cabinetry: cabinetryDialect,
  csv: csvDialect,
  jsonl: jsonlDialect,
  resultset: resultsetDialect,
  spiffy: spiffyDialect,
  propeller: propellerDialect,
  'shopify-csv': shopifyCsvDialect,
  'woocommerce-csv': woocommerceCsvDialect,
  'matrixify-csv': matrixifyCsvDialect,
};

export function dialectIds(): string[] {
  return Object.keys(dialects);
}
