import { formDialect } from '../csv-form.js';
import { groupOf, knows, marks, sheetColumns, toCustomer, toRows } from './mapping.js';

/** `matrixify-csv:PATH`: Matrixify's "Customers" sheet as CSV, one row per address, written with Command MERGE. */
export const matrixifyCsvDialect = formDialect('matrixify-csv', 'Matrixify "Customers" sheet as CSV, one row per address (matrixify-csv:PATH)', {
  format: 'matrixify',
  label: 'Matrixify customers sheet',
  columns: sheetColumns,
  knows,
  marks,
  groupOf,
  toCustomer,
  toRows,
});
