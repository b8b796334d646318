import { InvalidInputError } from '../errors/index.js';

/** The variables a Compose file can see: those of the `docker compose` process. */
export type ComposeVariables = Readonly<Record<string, string>>;

const VARIABLE_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const OPERATOR = /^(?::-|-|:\?|\?|:\+|\+)/;

/**
 * Returns a copy of a parsed Compose file with `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `${VAR:+other}`, `${VAR+other}` and `$$` replaced in every string
 * value, as Compose v2 replaces them before it reads the file. Keys are not replaced. The checks
 * run on this copy, so a value such as `${UNSET:-host}` is checked as `host`. Throws
 * InvalidInputError naming the value's path for a reference Compose would reject.
 */
export function interpolateComposeFile(document: unknown, variables: ComposeVariables): unknown {
  return interpolateValue(document, variables, []);
}

function interpolateValue(value: unknown, variables: ComposeVariables, path: string[]): unknown {
  if (typeof value === 'string') {
    try {
      return interpolateString(value, variables);
    } catch (cause) {
      throw new InvalidInputError(
        `The Compose file has an invalid variable reference at ${path.join('.')} ` +
          `(${JSON.stringify(value)}): ${(cause as Error).message}.`,
        { cause },
      );
    }
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => interpolateValue(item, variables, [...path, String(index)]));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolateValue(item, variables, [...path, key]),
      ]),
    );
  }
  return value;
}

/** Replaces the variable references in one string; throws a plain Error saying what is wrong. */
export function interpolateString(text: string, variables: ComposeVariables): string {
  let result = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) return result + text.slice(index);
    result += text.slice(index, dollar);

    const next = text[dollar + 1];
    if (next === '$') {
      result += '$';
      index = dollar + 2;
    } else if (next === '{') {
      const end = findClosingBrace(text, dollar + 2);
      result += expandBraced(text.slice(dollar + 2, end), variables);
      index = end + 1;
    } else {
      const name = VARIABLE_NAME.exec(text.slice(dollar + 1))?.[0];
      if (name === undefined) {
        throw new Error('"$" must be followed by a variable name, "{" or "$" (write "$$" for "$")');
      }
      result += lookUp(name, variables) ?? '';
      index = dollar + 1 + name.length;
    }
  }
  return result;
}

/**
 * Variables that Compose or the docker CLI set for interpolation themselves, beyond the process
 * environment: Compose v2.40 sets PWD and COMPOSE_PROJECT_NAME, and the docker CLI sets
 * DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND and DOCKER_CLI_PLUGIN_SOCKET for its plugins. Their values
 * differ between Compose versions or are not known here, so a file may not refer to them.
 */
const SET_BY_COMPOSE = /^(PWD|OLDPWD|COMPOSE_\w*|DOCKER_CLI_\w*)$/;

/** Returns the value of a variable; throws for one that Compose may set on its own. */
function lookUp(name: string, variables: ComposeVariables): string | undefined {
  if (SET_BY_COMPOSE.test(name) && !Object.hasOwn(variables, name)) {
    throw new Error(
      `\${${name}} is set by Compose itself to a value lyceum cannot check; write the value out`,
    );
  }
  return variables[name];
}

/** Returns the index of the `}` that closes a `${` whose body starts at `start`. */
function findClosingBrace(text: string, start: number): number {
  let depth = 1;
  let index = start;
  while (index < text.length) {
    if (text.startsWith('$$', index)) {
      index += 2;
    } else if (text.startsWith('${', index)) {
      depth++;
      index += 2;
    } else if (text[index] === '{') {
      // Compose 2.40 counts such a brace when it looks for the closing one, so it would read
      // another value from the same text than the one checked here.
      throw new Error('a "{" that does not start "${" is not allowed inside "${...}"; remove it');
    } else {
      if (text[index] === '}' && --depth === 0) return index;
      index++;
    }
  }
  throw new Error('"${" has no closing "}"');
}

/** Expands the body of `${...}`: a name, optionally followed by an operator and its operand. */
function expandBraced(body: string, variables: ComposeVariables): string {
  const name = VARIABLE_NAME.exec(body)?.[0];
  if (name === undefined) {
    throw new Error(`"\${${body}}" does not start with a variable name`);
  }
  const rest = body.slice(name.length);
  const value = lookUp(name, variables);
  if (rest === '') return value ?? '';

  const operator = OPERATOR.exec(rest)?.[0];
  if (operator === undefined) {
    throw new Error(`"\${${body}}" has an unknown operator; use :-, -, :?, ?, :+ or +`);
  }
  const operand = rest.slice(operator.length);
  const isSet = value !== undefined;
  const isSetAndNotEmpty = isSet && value !== '';
  switch (operator) {
    case ':-':
      return isSetAndNotEmpty ? value : interpolateString(operand, variables);
    case '-':
      return isSet ? value : interpolateString(operand, variables);
    case ':+':
      return isSetAndNotEmpty ? interpolateString(operand, variables) : '';
    case '+':
      return isSet ? interpolateString(operand, variables) : '';
    default: {
      const required = operator === ':?' ? isSetAndNotEmpty : isSet;
      if (!required) throw new Error(`required variable ${name} is not set: ${operand}`);
      return value as string;
    }
  }
}
