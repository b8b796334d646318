import { PASSED_VARIABLES } from '../compose/compose-environment.js';

/** Variables that Compose on the server also has, so a reference to them is not a surprise. */
const SERVER_VARIABLES = new Set(PASSED_VARIABLES);

/** A `$NAME` or `${NAME` reference, after any run of `$$` escapes. */
const REFERENCE = /(?<!\$)(?:\$\$)*\$\{?([_a-zA-Z][_a-zA-Z0-9]*)/g;

/**
 * Returns the names of the variables a Compose file refers to that are set in the user's own
 * environment. Compose on the server replaces references with the server's variables only, so
 * these values do not reach the file, which users of `docker compose` expect them to.
 */
export function shellVariablesInFile(text: string, env: NodeJS.ProcessEnv): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1]!;
    if (!SERVER_VARIABLES.has(name) && env[name] !== undefined) names.add(name);
  }
  return [...names].sort();
}
