import { describe, expect, it } from 'vitest';

import { statsSourceText } from '../src/state/contractStats';

const source = { capture: true, loading: false, capture_rows: 0, error: null };

describe('where the contract counts come from', () => {
  it('names the capture file and its earlier rows once read', () => {
    expect(statsSourceText({ ...source, capture_rows: 2099 })).toContain('from the capture file (2,099 earlier rows)');
  });

  it('says when the rows are still being read, could not be, or there were none', () => {
    expect(statsSourceText({ ...source, loading: true })).toContain('reading the capture');
    expect(statsSourceText({ ...source, error: 'disk I/O error' })).toContain('could not be read (disk I/O error)');
    expect(statsSourceText(source)).toContain('held no earlier traffic');
    expect(statsSourceText({ ...source, capture: false })).toContain('no capture file');
  });

  it('states the precision of the percentiles', () => {
    expect(statsSourceText({ ...source, capture_rows: 5 })).toContain('25 %');
  });
});
