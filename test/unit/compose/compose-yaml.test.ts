import { describe, expect, it } from 'vitest';
import { parseComposeYaml } from '../../../src/compose/compose-yaml.js';
import { InvalidInputError } from '../../../src/errors/index.js';

describe('parseComposeYaml', () => {
  it('parses mappings and lists', () => {
    expect(parseComposeYaml('services:\n  web:\n    ports: [80]\n')).toEqual({
      services: { web: { ports: [80] } },
    });
  });

  it('resolves merge keys', () => {
    const text =
      'x-base: &base\n  privileged: true\nservices:\n  web:\n    <<: *base\n    image: a\n';
    expect(parseComposeYaml(text)).toEqual({
      'x-base': { privileged: true },
      services: { web: { privileged: true, image: 'a' } },
    });
  });

  it.each([
    ['a: !reset []\n', '!reset'],
    ['ports: !override [80]\n', '!override'],
  ])('rejects the Compose tag in %j', (text, tag) => {
    expect(() => parseComposeYaml(text)).toThrow(`uses the YAML tag ${tag} at line 1`);
  });

  it.each([
    ['carriage return', '\r'],
    ['next line', '\u0085'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
  ])('rejects a %s as a line break', (_name, lineBreak) => {
    const text = `services:\n  s:\n    image: a\n    # note${lineBreak}    privileged: true\n`;
    expect(() => parseComposeYaml(text)).toThrow(/has the line break U\+[0-9A-F]{4} on line 4/);
  });

  it('accepts CRLF line ends', () => {
    expect(parseComposeYaml('a: 1\r\nb: 2\r\n')).toEqual({ a: 1, b: 2 });
  });

  it('rejects an alias as a key', () => {
    const text = 'x: &m a\ny:\n  *m : 1\n';
    expect(() => parseComposeYaml(text)).toThrow('uses an alias as a key at line 3');
  });

  it.each([
    ['services:\n  web:\n    image: a\n   bad: [\n', 4],
    ['services:\n  web: {}\n  web: {}\n', 3],
    ['services:\n  web:\n    image: "open\n', 4],
    ['- a\nb: c\n', 2],
  ])('names the line of a YAML error in %j', (text, line) => {
    expect(() => parseComposeYaml(text)).toThrow(InvalidInputError);
    expect(() => parseComposeYaml(text)).toThrow(
      new RegExp(`not valid YAML: line ${line}, column`),
    );
  });

  it.each([
    ['volumes:\n  - !!binary L2V0YzovaA==\n', '!!binary', 2],
    ['pid: !!binary aG9zdA==\n', '!!binary', 1],
    ['a: !custom x\n', '!custom', 1],
    ['a: !!set {x}\n', '!!set', 1],
  ])('rejects the tag in %j', (text, tag, line) => {
    expect(() => parseComposeYaml(text)).toThrow(
      new RegExp(`uses the YAML tag ${tag} at line ${line}, column`),
    );
  });

  it('accepts core tags', () => {
    const text = 'a: !!str 1\nb: !!seq []\nc: !!int "2"\n';
    expect(parseComposeYaml(text)).toEqual({ a: '1', b: [], c: 2 });
  });

  it('rejects too many aliases', () => {
    const text = `a: &a [1]\nb: [${Array(200).fill('*a').join(', ')}]\n`;
    expect(() => parseComposeYaml(text)).toThrow(/fewer than 100 alias references/);
  });

  it.each([
    ['%YAML 1.1\n---\nservices: {}\n'],
    ['%YAML 1.2\n---\nservices: {}\n'],
    ['%TAG !x! tag:example.com,2000:\n---\nservices: {}\n'],
  ])('rejects the directive in %j', (text) => {
    expect(() => parseComposeYaml(text)).toThrow('starts with a YAML directive');
  });

  it.each([
    ['services:\n  true: {}\n  "true": {}\n', '"true"', 3],
    ['a:\n  1: x\n  "1": y\n', '"1"', 3],
    ['a:\n  null: x\n  "null": y\n', '"null"', 3],
  ])('rejects keys that read alike in %j', (text, key, line) => {
    expect(() => parseComposeYaml(text)).toThrow(
      `two keys that both read as ${key}, the second at line ${line}`,
    );
  });

  it('rejects several documents', () => {
    expect(() => parseComposeYaml('a: 1\n---\nb: 2\n')).toThrow(/not valid YAML: line 2/);
  });
});
