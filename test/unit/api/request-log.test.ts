import { describe, expect, it } from 'vitest';
import { errorForLog, urlForLog } from '../../../src/api/request-log.js';

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
    ['/a?key=lk_abcdefghijklmnopqrst', '/a?key=[redacted]'],
    ['/storage/download/lk_abcdefghijklmnopqrst-_x', '/storage/download/[redacted]'],
    ['/a?x=1?api_key=y', '/a?x=1?api_key=[redacted]'],
  ])('logs %j as %j', (url, logged) => {
    expect(urlForLog(url)).toBe(logged);
  });
});

describe('errorForLog', () => {
  it('drops the raw bytes of a rejected request', () => {
    const error = Object.assign(new Error('Parse Error: Invalid header value char'), {
      code: 'HPE_INVALID_HEADER_TOKEN',
      rawPacket: Buffer.from('GET / HTTP/1.1\r\nAuthorization: Bearer lk_secret\r\n'),
    });
    const logged = errorForLog(error);
    expect(logged.rawPacket).toBeUndefined();
    expect(logged.code).toBe('HPE_INVALID_HEADER_TOKEN');
    expect(JSON.stringify(logged)).not.toContain('lk_secret');
  });
});
