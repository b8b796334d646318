import { describe, expect, it } from 'vitest';
import { dockerStartBody } from '../../../../src/cli/commands/docker-commands.js';
import { parsePullPolicy, parseTimeout } from '../../../../src/cli/run-options.js';
import { InvalidInputError } from '../../../../src/errors/index.js';

type DockerRunOptions = Parameters<typeof dockerStartBody>[2];

/** Builds options as commander parses them without flags, where `--no-s3` makes `s3` true. */
function options(overrides: Partial<DockerRunOptions> = {}): DockerRunOptions {
  return { env: [], s3: true, ...overrides };
}

describe('dockerStartBody', () => {
  it('builds minimal body', () => {
    expect(dockerStartBody('alpine', [], options(), {})).toEqual({
      docker_image_ref: 'alpine',
      docker_run_env: {},
      enable_s3_mount: true,
    });
  });

  it('wraps -c in sh -c', () => {
    const body = dockerStartBody('alpine', [], options({ command: 'ls /mnt/s3 | wc -l' }), {});
    expect(body.docker_run_cmd).toEqual(['sh', '-c', 'ls /mnt/s3 | wc -l']);
  });

  it('passes argv unchanged', () => {
    const body = dockerStartBody('python:3.12', ['python', '-c', 'print(1)'], options(), {});
    expect(body.docker_run_cmd).toEqual(['python', '-c', 'print(1)']);
  });

  it('omits command without -c or argv', () => {
    expect(dockerStartBody('alpine', [], options(), {})).not.toHaveProperty('docker_run_cmd');
  });

  describe('-c with argv', () => {
    const run = () => dockerStartBody('alpine', ['ls'], options({ command: 'ls' }), {});

    it('throws InvalidInputError', () => {
      expect(run).toThrow(InvalidInputError);
    });

    it('asks for one of the two', () => {
      expect(run).toThrow('Give either -c "CMD" or a command after the image, not both.');
    });
  });

  describe('--no-s3 with --s3-mount-path', () => {
    const run = () =>
      dockerStartBody('alpine', [], options({ s3: false, s3MountPath: '/data' }), {});

    it('throws InvalidInputError', () => {
      expect(run).toThrow(InvalidInputError);
    });

    it('names both flags', () => {
      expect(run).toThrow('--no-s3 and --s3-mount-path contradict each other');
    });
  });

  it('disables mount for --no-s3', () => {
    const body = dockerStartBody('alpine', [], options({ s3: false }), {});
    expect(body.enable_s3_mount).toBe(false);
  });

  it('enables mount when s3 is unset', () => {
    const body = dockerStartBody('alpine', [], { env: [] }, {});
    expect(body.enable_s3_mount).toBe(true);
  });

  it('passes mount path to the server', () => {
    const body = dockerStartBody('alpine', [], options({ s3MountPath: '/data/' }), {});
    expect(body.s3_mount_path).toBe('/data/');
  });

  it('maps -e entries by name', () => {
    const body = dockerStartBody('alpine', [], options({ env: ['A=1', 'B=x=y'] }), {});
    expect(body.docker_run_env).toEqual({ A: '1', B: 'x=y' });
  });

  it('keeps a newline inside a value', () => {
    const body = dockerStartBody('alpine', [], options({ env: ['A=1\nB=2'] }), {});
    expect(body.docker_run_env).toEqual({ A: '1\nB=2' });
  });

  it('copies -e KEY from given environment', () => {
    const body = dockerStartBody('alpine', [], options({ env: ['TOKEN'] }), { TOKEN: 'abc' });
    expect(body.docker_run_env).toEqual({ TOKEN: 'abc' });
  });

  it('copies empty value of set KEY', () => {
    const body = dockerStartBody('alpine', [], options({ env: ['EMPTY'] }), { EMPTY: '' });
    expect(body.docker_run_env).toEqual({ EMPTY: '' });
  });

  describe('-e KEY unset', () => {
    const run = () => dockerStartBody('alpine', [], options({ env: ['MISSING'] }), { OTHER: 'x' });

    it('throws InvalidInputError', () => {
      expect(run).toThrow(InvalidInputError);
    });

    it('names the variable', () => {
      expect(run).toThrow('-e MISSING copies MISSING from your environment, but it is not set');
    });

    it('suggests KEY=VALUE', () => {
      expect(run).toThrow(/give -e MISSING=VALUE/);
    });
  });

  it('parses timeout into seconds', () => {
    const body = dockerStartBody('alpine', [], options({ timeout: '90' }), {});
    expect(body.timeout).toBe(90);
  });

  it('omits timeout when not given', () => {
    expect(dockerStartBody('alpine', [], options(), {})).not.toHaveProperty('timeout');
  });

  it('passes pull policy', () => {
    const body = dockerStartBody('alpine', [], options({ pull: 'always' }), {});
    expect(body.pull_policy).toBe('always');
  });

  it('rejects bad pull policy', () => {
    expect(() => dockerStartBody('alpine', [], options({ pull: 'weekly' }), {})).toThrow(
      InvalidInputError,
    );
  });

  it('rejects bad timeout', () => {
    expect(() => dockerStartBody('alpine', [], options({ timeout: 'soon' }), {})).toThrow(
      InvalidInputError,
    );
  });
});

describe('parseTimeout', () => {
  it.each([
    ['90', 90],
    ['1.5', 1.5],
    ['1e3', 1000],
    [' 5 ', 5],
  ])('reads %j as %j', (value, expected) => {
    expect(parseTimeout(value)).toBe(expected);
  });

  describe.each(['0', '-1', 'soon', '', 'Infinity', '10s'])('value %j', (value) => {
    it('throws InvalidInputError', () => {
      expect(() => parseTimeout(value)).toThrow(InvalidInputError);
    });

    it('names the value and unit', () => {
      expect(() => parseTimeout(value)).toThrow(
        `--timeout (-t) ${JSON.stringify(value)} must be a positive number of seconds: -t sets ` +
          "the run's time limit, not a terminal as in docker run.",
      );
    });
  });
});

describe('parsePullPolicy', () => {
  it.each(['never', 'missing', 'always'])('accepts %j', (value) => {
    expect(parsePullPolicy(value)).toBe(value);
  });

  describe.each(['weekly', 'ALWAYS', ''])('value %j', (value) => {
    it('throws InvalidInputError', () => {
      expect(() => parsePullPolicy(value)).toThrow(InvalidInputError);
    });

    it('lists valid policies', () => {
      expect(() => parsePullPolicy(value)).toThrow(
        `--pull ${JSON.stringify(value)} is invalid; use never, missing or always.`,
      );
    });
  });
});
