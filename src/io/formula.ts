/**
 * Formula-safe CSV cells (SPEC section 3): a spreadsheet runs a cell that
 * starts with `=`, `@`, tab or CR, or with `+`/`-` unless it is a plain number
 * or phone number. Such cells are written with a leading `'`; reading removes
 * one leading `'` before those characters, so the round trip is exact (a cell
 * that really starts with `'` and one of them gets a second `'`).
 */
const alwaysDangerous = /^[=@\t\r]/;
const signed = /^[+-]/;
const numberOrPhone = /^[+-]?[\d\s().-]*\d[\d\s().-]*$/;
const guarded = /^'+[=@\t\r+-]/;

function isDangerous(cell: string): boolean {
  if (alwaysDangerous.test(cell)) return true;
  return signed.test(cell) && !numberOrPhone.test(cell);
}

export function guardCell(cell: string): string {
  if (isDangerous(cell)) return `'${cell}`;
  // Keep an original leading quote from being eaten on the way back in.
  if (guarded.test(cell) && isDangerous(cell.replace(/^'+/, ''))) return `'${cell}`;
  return cell;
}

export function unguardCell(cell: string): string {
  if (guarded.test(cell) && isDangerous(cell.replace(/^'+/, ''))) return cell.slice(1);
  return cell;
}
