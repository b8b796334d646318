import console from 'node:console';

/** Prints rows as a table with a header and right-aligned columns after the first. */
export function printTable(headers, rows) {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => String(row[column]).length)),
  );
  const format = (cells) =>
    cells
      .map((cell, column) =>
        column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]),
      )
      .join('  ');
  console.log(format(headers));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(format(row));
}

/**
 * Checks a measured value against its target. `bound` is 'at most' or 'at least', and `unit` is
 * printed after both numbers, for example 'x' for a ratio or ' ms'.
 */
export function checkTarget({ label, measured, bound, limit, unit, digits = 2 }) {
  const pass = bound === 'at most' ? measured <= limit : measured >= limit;
  return {
    label,
    pass,
    measured: `${measured.toFixed(digits)}${unit}`,
    target: `${bound} ${limit.toFixed(digits)}${unit}`,
  };
}

/** Prints the targets as a table with PASS or MISS on each line. */
export function printTargets(targets) {
  printTable(
    ['target', 'measured', 'required', 'result'],
    targets.map((target) => [
      target.label,
      target.measured,
      target.target,
      target.pass ? 'PASS' : 'MISS',
    ]),
  );
}

export function formatMs(ms) {
  return ms.toFixed(0);
}

/** Formats a byte count per millisecond as decimal megabytes per second, as dd prints them. */
export function formatMbPerSecond(bytes, ms) {
  return (bytes / 1e6 / (ms / 1000)).toFixed(0);
}

export function formatMib(kib) {
  return (kib / 1024).toFixed(1);
}
