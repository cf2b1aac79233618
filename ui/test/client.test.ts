import { ApiClient, ApiError, query, tokenFromLocation } from '../src/api/client';

test('every call carries the token; failures become ApiError with issues', async () => {
  const calls: { url: string; init: RequestInit }[] = [];
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify({ error: 'bad payload', code: 'validation', issues: [{ path: ['text'], message: 'required property is missing' }] }), { status: 422 });
  }) as typeof fetch;
  const api = new ApiClient('t0k', 'http://h');
  await expect(api.post('/api/push', { a: 1 })).rejects.toBeInstanceOf(ApiError);
  expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer t0k');
  try {
    await api.post('/api/push', {});
  } catch (e) {
    expect((e as ApiError).issues[0].path).toEqual(['text']);
    expect((e as ApiError).status).toBe(422);
  }
  expect(api.url('/api/exports/1')).toBe('http://h/api/exports/1?token=t0k');
  expect(api.wsUrl('/api/live')).toBe('ws://h/api/live?token=t0k');
  expect(query({ a: 1, b: undefined, c: '' })).toBe('?a=1');
  expect(tokenFromLocation('?token=abc')).toBe('abc');
});
