/** `+34600000002` → `+3460*****02`: enough to recognise a number in a log line, not enough to use it. */
export function maskPhoneNumber(e164: string): string {
  if (e164.length <= 7) return e164.slice(0, 2) + '*'.repeat(Math.max(0, e164.length - 2));
  return e164.slice(0, 5) + '*'.repeat(e164.length - 7) + e164.slice(-2);
}
