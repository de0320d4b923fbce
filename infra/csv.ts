/**
 * CSV export (RFC 4180). Cells that a spreadsheet would read as a formula (=, +, -, @) are prefixed
 * with an apostrophe, so exported text cannot run as a formula.
 */
export function toCsv<T>(columns: Array<[header: string, value: (row: T) => unknown]>, rows: T[]): string {
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    let text = value instanceof Date ? value.toISOString() : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns.map(([header]) => cell(header)).join(','), ...rows.map((row) => columns.map(([, value]) => cell(value(row))).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
