import { describe, expect, it } from 'vitest';
import { parseParams } from '../src/panels/tryit/params';

describe('parseParams', () => {
  it('reads one key=value a line', () => {
    expect(parseParams('name=alice\n  token = s3=cret \n\nnot a pair\n=orphan\nname=bob')).toEqual({ name: 'bob', token: 's3=cret' });
    expect(parseParams('')).toEqual({});
  });
});
