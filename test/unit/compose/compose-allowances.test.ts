import { describe, expect, it } from 'vitest';
import { parseComposeAllowances } from '../../../src/compose/compose-allowances.js';
import { InvalidInputError } from '../../../src/errors/index.js';

describe('parseComposeAllowances', () => {
  it('reads nothing as no allowance', () => {
    expect(parseComposeAllowances(undefined)).toEqual([]);
    expect(parseComposeAllowances('')).toEqual([]);
  });

  it('reads a comma-separated list', () => {
    expect(parseComposeAllowances(' privileged, host_network ,,privileged')).toEqual([
      'privileged',
      'host_network',
    ]);
  });

  it('rejects an unknown key, naming it and the known ones', () => {
    const parse = () => parseComposeAllowances('privileged,host_net');
    expect(parse).toThrow(InvalidInputError);
    expect(parse).toThrow(/LYCEUM_COMPOSE_ALLOW lists "host_net", which is not a known key/);
    expect(parse).toThrow(/bind_mounts, docker_socket, privileged, host_network/);
  });
});
