export { toCsv } from '../infra/csv.js';

/** True when the caller asked for CSV (`?format=csv` or `Accept: text/csv`). */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  return format === 'csv' || (format === undefined && accept !== undefined && /\btext\/csv\b/.test(accept));
}
