import { checkPayload } from '../src/panels/push/schema';

const schema = {
  type: 'object',
  properties: { level: { type: 'string', enum: ['info', 'warn'] }, text: { type: 'string' } },
  required: ['level', 'text'],
};

test('valid payloads pass, invalid ones list their issues', () => {
  expect(checkPayload('{"level":"info","text":"x"}', schema).ok).toBe(true);
  const bad = checkPayload('{"level":"loud"}', schema);
  expect(bad.ok).toBe(false);
  expect(bad.issues).toContain('text: required property is missing');
  expect(bad.issues.some((i) => i.startsWith('level:'))).toBe(true);
  const broken = checkPayload('{', schema);
  expect(broken.parseError).toMatch(/not valid JSON/);
});
