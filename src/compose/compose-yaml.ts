import { LineCounter, parseDocument } from 'yaml';
import { InvalidInputError } from '../errors/index.js';

/** At most this many alias expansions, so a file of nested anchors cannot exhaust memory. */
const MAX_ALIAS_COUNT = 100;

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
