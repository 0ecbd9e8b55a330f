import { formDialect } from '../csv-form.js';
import { exportColumns, knows, marks, toCustomer, toRow } from './mapping.js';

/** `woocommerce-csv:PATH`: WooCommerce's customer export, read and written in its columns. */
export const woocommerceCsvDialect = formDialect('woocommerce-csv', "WooCommerce's customer export, read and written (woocommerce-csv:PATH)", {
  format: 'woocommerce',
  label: 'WooCommerce customer export',
  columns: exportColumns,
  knows,
  marks,
  keepsUnknown: true,
  toCustomer,
  toRows: (record) => [toRow(record)],
});
