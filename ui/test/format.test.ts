import { highlight } from '../src/components/JsonView';
import { ago, arrow, bytes, count, latency, preview } from '../src/state/format';

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

test('latency reads microseconds as µs, ms or s', () => {
    expect(latency(840)).toBe('840 µs');
    expect(latency(1_234)).toBe('1.2 ms');
    expect(latency(45_000)).toBe('45 ms');
    expect(latency(1_250_000)).toBe('1.25 s');
    expect(latency(undefined)).toBe('');
});

test('arrows mark sent and received rows', () => {
    expect(arrow('sent')).toBe('→');
    expect(arrow('received')).toBe('←');
    expect(arrow(undefined)).toBe('');
});
