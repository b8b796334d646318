import { isAlias, isMap, isNode, isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { InvalidInputError } from '../errors/index.js';

/** At most this many alias expansions, so a file of nested anchors cannot exhaust memory. */
const MAX_ALIAS_COUNT = 100;
/**
 * The explicit tags a Compose file may use: the YAML core types. Others turn text into values that
 * this parser and Compose's read differently, so a checked value could differ from the one Compose
 * uses: `!!binary` decodes base64, and Compose's `!reset` removes a key, so a value merged in with
 * `<<` takes its place.
 */
const ALLOWED_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((type) => `tag:yaml.org,2002:${type}`),
);
/**
 * Line breaks that YAML 1.1 readers, such as Compose's, accept beside LF and CRLF: a lone CR, NEL,
 * LS and PS. This parser reads YAML 1.2, which ends lines at LF and CRLF only, so text after one of
 * them inside a comment would be a comment here and a key to Compose.
 */
const OTHER_LINE_BREAK = /\r(?!\n)|[\u0085\u2028\u2029]/;

/**
 * Parses the text of a Compose file into plain values. Merge keys (`<<: *anchor`) are resolved as
 * Compose resolves them, and duplicate keys are errors, as they are for Compose. What two YAML
 * readers could read differently is rejected: other line breaks than LF and CRLF, tags other than
 * the core types, and aliases used as keys. Throws InvalidInputError naming the line and column of
 * the first error.
 */
export function parseComposeYaml(text: string): unknown {
  const otherBreak = OTHER_LINE_BREAK.exec(text);
  if (otherBreak !== null) {
    const line = text.slice(0, otherBreak.index).split('\n').length;
    const code = otherBreak[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new InvalidInputError(
      `The Compose file has the line break U+${code} on line ${line}, which YAML readers treat ` +
        'differently; end lines with LF or CRLF only.',
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    merge: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const [error] = document.errors;
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new InvalidInputError(
      `The Compose file is not valid YAML: line ${line}, column ${col}: ${error.message}; ` +
        'fix the file and run it again.',
    );
  }
  const directives = document.directives;
  if (
    directives !== undefined &&
    (directives.yaml.explicit || Object.keys(directives.tags).length > 1)
  ) {
    throw new InvalidInputError(
      'The Compose file starts with a YAML directive (a line that begins with "%"), which makes ' +
        'YAML readers read values differently; remove the directive.',
    );
  }
  visit(document, (_key, node) => {
    if (isMap(node)) rejectKeysThatReadAlike(node.items, lineCounter);
    // An alias used as a key is a merge key to Compose v1 when its anchor is on a "<<" key.
    if (isPair(node) && isAlias(node.key)) {
      const { line, col } = lineCounter.linePos(node.key.range?.[0] ?? 0);
      throw new InvalidInputError(
        `The Compose file uses an alias as a key at line ${line}, column ${col}, which lyceum ` +
          'does not accept; write the key itself.',
      );
    }
    if (!isNode(node) || node.tag === undefined || ALLOWED_TAGS.has(node.tag)) return;
    const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
    const tag = node.tag.replace('tag:yaml.org,2002:', '!!');
    throw new InvalidInputError(
      `The Compose file uses the YAML tag ${tag} at line ${line}, column ${col}, which lyceum does ` +
        'not accept; write the value as plain text.',
    );
  });
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    throw new InvalidInputError(
      `The Compose file could not be read: ${(cause as Error).message}; ` +
        `use fewer than ${MAX_ALIAS_COUNT} alias references.`,
      { cause },
    );
  }
}

/**
 * Rejects two keys of one mapping that are different YAML values but the same text, such as
 * `true` and `"true"`. This parser turns every key into text, so it would keep one of them, while
 * Compose's reader may keep both.
 */
function rejectKeysThatReadAlike(
  pairs: readonly { key: unknown }[],
  lineCounter: LineCounter,
): void {
  const seen = new Set<string>();
  for (const { key } of pairs) {
    if (!isScalar(key)) continue;
    const text = String(key.value);
    if (seen.has(text)) {
      const { line, col } = lineCounter.linePos(key.range?.[0] ?? 0);
      throw new InvalidInputError(
        `The Compose file has two keys that both read as ${JSON.stringify(text)}, the second at ` +
          `line ${line}, column ${col}; give each key a different name.`,
      );
    }
    seen.add(text);
  }
}
