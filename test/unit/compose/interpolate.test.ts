import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors/index.js';
import { interpolateComposeFile, interpolateString } from '../../../src/compose/interpolate.js';

const variables = { SET: 'value', EMPTY: '', HOME: '/root' };

describe('interpolateString', () => {
  it.each([
    ['plain text', 'plain text'],
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['a${SET}b', 'avalueb'],
    ['$SET/x', 'value/x'],
    ['$UNSET', ''],
    ['${UNSET}', ''],
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['cost: $$5', 'cost: $5'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${SET:-fallback}', 'value'],
    ['${UNSET-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${SET:+other}', 'other'],
    ['${EMPTY:+other}', ''],
    ['${EMPTY+other}', 'other'],
    ['${UNSET+other}', ''],
    ['${SET:?needed}', 'value'],
    ['${EMPTY?needed}', ''],
    ['${UNSET:-${HOME}}', '/root'],
    ['${UNSET:-${ALSO_UNSET:-host}}', 'host'],
    ['${UNSET:-a}}', 'a}'],
    ['${UNSET:-$$}', '$'],
    ['${HOME}:/host', '/root:/host'],
  ])('expands %j to %j', (text, expected) => {
    expect(interpolateString(text, variables)).toBe(expected);
  });

  it.each([
    ['$', /must be followed by a variable name/],
    ['a $ b', /must be followed by a variable name/],
    ['${', /no closing/],
    ['${SET', /no closing/],
    ['${}', /does not start with a variable name/],
    ['${1X}', /does not start with a variable name/],
    ['${SET/x}', /unknown operator/],
    ['${UNSET:?set it first}', /required variable UNSET is not set: set it first/],
    ['${EMPTY:?set it}', /required variable EMPTY/],
    ['${UNSET?set it}', /required variable UNSET/],
    ['${UNSET:+{}}host', /"\{" that does not start "\$\{" is not allowed/],
    ['${UNSET:-a{b}', /"\{" that does not start/],
    ['${COMPOSE_PROJECT_NAME:+/host}', /\$\{COMPOSE_PROJECT_NAME\} is set by Compose itself/],
    ['${PWD}/data', /\$\{PWD\} is set by Compose itself/],
    ['$DOCKER_CLI_PLUGIN_SOCKET', /\$\{DOCKER_CLI_PLUGIN_SOCKET\} is set by Compose/],
    ['${UNSET:-${COMPOSE_FILE-x}}', /\$\{COMPOSE_FILE\} is set by Compose/],
  ])('rejects %j', (text, message) => {
    expect(() => interpolateString(text, variables)).toThrow(message);
  });
});

describe('interpolateComposeFile', () => {
  it('replaces strings at any depth', () => {
    const file = { services: { web: { network_mode: '${MODE:-host}', ports: ['$SET:80'] } } };
    expect(interpolateComposeFile(file, variables)).toEqual({
      services: { web: { network_mode: 'host', ports: ['value:80'] } },
    });
  });

  it('keeps keys and other scalars', () => {
    const file = { '${SET}': { privileged: true, count: 3, nothing: null } };
    expect(interpolateComposeFile(file, variables)).toEqual(file);
  });

  it('throws InvalidInputError naming the path', () => {
    const file = { services: { web: { image: 'busybox:$' } } };
    expect(() => interpolateComposeFile(file, variables)).toThrow(InvalidInputError);
    expect(() => interpolateComposeFile(file, variables)).toThrow('services.web.image');
  });
});
