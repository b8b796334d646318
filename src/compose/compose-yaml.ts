import { isNode, LineCounter, parseDocument, visit } from 'yaml';
import { InvalidInputError } from '../errors/index.js';

/** At most this many alias expansions, so a file of nested anchors cannot exhaust memory. */
const MAX_ALIAS_COUNT = 100;
/**
 * The explicit tags a Compose file may use: Compose's own `!reset` and `!override`, and the YAML
 * core types. Others, such as `!!binary`, turn text into values that this parser and Compose's
 * read differently, so a checked value could differ from the one Compose uses.
 */
const ALLOWED_TAGS = new Set([
  '!reset',
  '!override',
  ...['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map(
    (type) => `tag:yaml.org,2002:${type}`,
  ),
]);

/**
 * Parses the text of a Compose file into plain values. Merge keys (`<<: *anchor`) are resolved as
 * Compose resolves them, and duplicate keys are errors, as they are for Compose. Tags such as
 * `!reset` and `!override` keep the value they mark. Throws InvalidInputError naming the line and
 * column of the first YAML error.
 */
export function parseComposeYaml(text: string): unknown {
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
  visit(document, (_key, node) => {
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
