import { describe, expect, it } from 'vitest';
import { withoutUserInfo } from '../../../src/config/shown-url.js';

describe('withoutUserInfo', () => {
  it.each([
    ['http://ops:pw@127.0.0.1:8790', 'http://***@127.0.0.1:8790'],
    ['https://ops:p@ss@host/api?x=a@b', 'https://***@host/api?x=a@b'],
    [' http://ops:pw@host', ' http://***@host'],
    ['htp://ops:pw@host', 'htp://***@host'],
    ['http://127.0.0.1:8790/a@b', 'http://127.0.0.1:8790/a@b'],
    ['http://127.0.0.1:8790', 'http://127.0.0.1:8790'],
  ])('shows %j as %j', (url, shown) => {
    expect(withoutUserInfo(url)).toBe(shown);
  });
});
