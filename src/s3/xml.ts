import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { s3Errors } from './s3-error.js';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  suppressEmptyNode: false,
  format: false,
});
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  // Keys may begin or end with spaces, so values are kept as sent. Callers trim the other fields.
  trimValues: false,
  // Decodes character references such as &#34;, which rclone writes for the quotes of ETags.
  htmlEntities: true,
  isArray: (name) => ['Part', 'Object'].includes(name),
});

/** Renders an S3 XML document with the given root element and the S3 namespace. */
export function renderXml(root: string, body: Record<string, unknown>, namespace = true): string {
  const content = namespace ? { '@_xmlns': S3_NAMESPACE, ...body } : body;
  const document = (builder.build({ [root]: content }) as string).replace(
    CONTROL_CHARACTERS,
    (character) => `&#${character.charCodeAt(0)};`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${document}`;
}

/**
 * Control characters other than tab and line feed, which a key can hold (a run names its files).
 * A reader would turn a raw CR into a line feed, so they are written as character references, as
 * S3 writes them. Clients that list such keys should ask for `encoding-type=url`, as boto3 does.
 */
// eslint-disable-next-line no-control-regex -- matching these characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F]/g;

/** Parses an XML request body; throws MalformedXML when it is not well-formed or lacks `root`. */
export function parseXml(text: string, root: string): Record<string, unknown> {
  // A document type could define entities that rewrite keys, and no S3 request has one.
  if (/<!DOCTYPE/i.test(text)) throw s3Errors.malformedXml();
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(text, true) as Record<string, unknown>;
  } catch {
    throw s3Errors.malformedXml();
  }
  const element = parsed[root];
  if (element === undefined || element === null || typeof element !== 'object') {
    throw s3Errors.malformedXml();
  }
  return element as Record<string, unknown>;
}
