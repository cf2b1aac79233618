import { describe, expect, it } from 'vitest';
import { childPath } from '../src/panels/replay/jsonDiff';

describe('childPath', () => {
  it('writes paths the way the replay engine does', () => {
    expect(childPath('$', 'd')).toBe('$.d');
    expect(childPath('$.d', 'items')).toBe('$.d.items');
    expect(childPath('$.d.items', 0)).toBe('$.d.items[0]');
    expect(childPath('$', 'odd key')).toBe("$['odd key']");
    expect(childPath('$', "it's")).toBe("$['it\\'s']");
    expect(childPath('$', '9lives')).toBe("$['9lives']");
  });
});
