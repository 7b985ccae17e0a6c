// Small numeric helpers shared by the scenarios.

/** The q-quantile (0..1) of a list of numbers, nearest-rank; undefined for an empty list. */
export function quantile(values, q) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export const round = (value, digits = 2) => (value === undefined || value === null || Number.isNaN(value) ? null : Number(value.toFixed(digits)));
