import { describe, expect, it } from 'vitest';
import { parseXml, renderXml } from '../../../src/s3/xml.js';

describe('parseXml', () => {
  it('decodes character references', () => {
    const body = parseXml(
      '<CompleteMultipartUpload><Part><ETag>&#34;abc&#34;</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
      'CompleteMultipartUpload',
    );
    expect(body.Part).toEqual([{ ETag: '"abc"', PartNumber: '1' }]);
  });

  it('decodes hexadecimal and named references once', () => {
    const body = parseXml(
      '<Delete><Object><Key>a&#x2F;b&amp;#65;&lt;</Key></Object></Delete>',
      'Delete',
    );
    expect(body.Object).toEqual([{ Key: 'a/b&#65;<' }]);
  });

  it('keeps spaces around a key', () => {
    const body = parseXml('<Delete>\n  <Object><Key> foo </Key></Object>\n</Delete>', 'Delete');
    expect((body.Object as { Key: string }[])[0]!.Key).toBe(' foo ');
  });

  it('rejects a document type', () => {
    const text =
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "b">]><Delete><Object><Key>&x;</Key></Object></Delete>';
    expect(() => parseXml(text, 'Delete')).toThrow(/not well-formed|MalformedXML/);
  });

  it('rejects a body without the root element', () => {
    expect(() => parseXml('<Other/>', 'Delete')).toThrow(/not well-formed|MalformedXML/);
  });

  it('writes control characters as references', () => {
    expect(renderXml('Root', { Key: 'cr\rkey\u0001' }, false)).toContain(
      '<Key>cr&#13;key&#1;</Key>',
    );
  });

  it('renders the S3 namespace', () => {
    expect(renderXml('Root', { A: '1' })).toContain(
      '<Root xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>1</A></Root>',
    );
  });
});
