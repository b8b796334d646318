/** Returns the median of a non-empty list of numbers. */
export function median(values) {
  if (values.length === 0) throw new Error('Cannot take the median of no measurements.');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Summarises timings in milliseconds as median, min, max and count. */
export function summarise(values) {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    count: values.length,
  };
}
