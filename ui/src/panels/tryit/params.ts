// The Try it panel's handshake parameters, typed one `key=value` a line.

/** `name=alice` lines into parameters: blank lines, lines without a key and lines without `=`
 * are skipped; a value may itself hold `=`; a later line for the same key wins. */
export function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at < 0) continue;
    const key = line.slice(0, at).trim();
    if (!key) continue;
    out[key] = line.slice(at + 1).trim();
  }
  return out;
}
