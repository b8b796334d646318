import { describe, expect, it } from 'vitest';
import { urlForLog } from '../../../src/api/request-log.js';

describe('urlForLog', () => {
  it.each([
    ['/a?api_key=lk_1', '/a?api_key=[redacted]'],
    ['/a?API-KEY=lk_1&key=data.csv', '/a?API-KEY=[redacted]&key=data.csv'],
    [
      '/a?X-Amz-Signature=ab&X-Amz-Security-Token=cd',
      '/a?X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]',
    ],
    ['/a?auth=x&author=y', '/a?auth=[redacted]&author=y'],
    ['/a?pass%77ord=x', '/a?pass%77ord=[redacted]'],
    ['/a?%zz=1&token', '/a?%zz=1&token'],
    ['/a?key=data.csv&max_files=5', '/a?key=data.csv&max_files=5'],
    ['/a', '/a'],
  ])('logs %j as %j', (url, logged) => {
    expect(urlForLog(url)).toBe(logged);
  });
});
