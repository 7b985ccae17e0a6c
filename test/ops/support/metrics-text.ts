/**
 * Reads one sample from Prometheus text exposition: the value of `name` with exactly these labels
 * (0 when the series is absent, as a counter that never moved).
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]).sort(([a], [b]) => a.localeCompare(b));
    if (JSON.stringify(found) === JSON.stringify(wanted)) return Number(match[3]);
  }
  return 0;
}

/** Whether the exposition declares a metric (its # TYPE line). */
export function declares(text: string, name: string): boolean {
  return new RegExp(`^# TYPE ${name} `, 'm').test(text);
}
