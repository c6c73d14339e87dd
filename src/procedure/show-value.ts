/**
 * A raw YAML value as message text. Strings come out as they are, other scalars as `String` gives
 * them, and maps and lists as JSON. Never throws, even for a map whose keys shadow `toString` or
 * `valueOf` (`id: {toString: 0}`), on which `String()` itself would throw.
 */
export function showValue(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'symbol' ? value.toString() : String(value);
  }
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
