import { formDialect } from '../csv-form.js';
import { hintFor, importColumns, knows, marks, toCustomer, toRow } from './mapping.js';

/** `shopify-csv:PATH`: Shopify's customer CSV; reads its export (and the form before 2022), writes its import template. */
export const shopifyCsvDialect = formDialect('shopify-csv', "Shopify's customer CSV: reads its export, writes its import template (shopify-csv:PATH)", {
  format: 'shopify',
  label: 'Shopify customer CSV',
  columns: importColumns,
  // Shopify's importer refuses a customer file over 1 MB (taken as 10^6 bytes, to be safe).
  importLimit: { bytes: 1_000_000, says: "the 1 MB Shopify's customer import takes" },
  knows,
  marks,
  hintFor,
  toCustomer,
  toRows: (record) => [toRow(record)],
});
