import { highlight } from '../src/components/JsonView';
import { ago, bytes, count, preview } from '../src/state/format';

test('formats for people', () => {
  expect(count(12345)).toBe('12,345');
  expect(bytes(512)).toBe('512 B');
  expect(bytes(1536)).toBe('1.5 KB');
  expect(ago(null)).toBe('never');
  expect(ago(1_000_000 * 100, 1000 * 160)).toBe('1 min ago');
  expect(preview({ a: 1 }, null)).toBe('{"a":1}');
  expect(preview(null, 'x'.repeat(200), 10)).toBe(`${'x'.repeat(10)}…`);
  expect(highlight('{"a": 1}').map((t) => t.cls)).toContain('j-key');
});
