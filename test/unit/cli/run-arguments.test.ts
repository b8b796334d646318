import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';
import { createCliContext } from '../../../src/cli/cli-context.js';
import { separateRunArguments } from '../../../src/cli/run-arguments.js';

const program = buildProgram(createCliContext({}));

/** Returns the words after `lyceum` as commander will read them. */
function separated(...words: string[]): string[] {
  return separateRunArguments(program, ['node', 'lyceum', ...words]).slice(2);
}

describe('separateRunArguments', () => {
  describe('docker run', () => {
    it('starts the command at its first word', () => {
      expect(separated('docker', 'run', 'img', 'echo', '-t', '5')).toEqual([
        'docker',
        'run',
        'img',
        '--',
        'echo',
        '-t',
        '5',
      ]);
    });

    it('keeps options between image and command', () => {
      expect(separated('docker', 'run', 'img', '--pull', 'never', '-d', 'ls', '-la')).toEqual([
        'docker',
        'run',
        'img',
        '--pull',
        'never',
        '-d',
        '--',
        'ls',
        '-la',
      ]);
    });

    it('skips option values before the image', () => {
      expect(separated('docker', 'run', '-e', 'A', '-t', '5', 'img', 'python3', '-c', 'x')).toEqual(
        ['docker', 'run', '-e', 'A', '-t', '5', 'img', '--', 'python3', '-c', 'x'],
      );
    });

    it('reads inline and combined option values', () => {
      const words = ['docker', 'run', 'img', '--s3-mount-path=/data', '-dt', '5', 'sh'];
      expect(separated(...words)).toEqual([...words.slice(0, 6), '--', 'sh']);
    });

    it('leaves an explicit -- alone', () => {
      const words = ['docker', 'run', 'img', '--', 'echo', '-d'];
      expect(separated(...words)).toEqual(words);
    });

    it('leaves -c without a command alone', () => {
      const words = ['docker', 'run', 'img', '-c', 'echo hi', '-e', 'A=1'];
      expect(separated(...words)).toEqual(words);
    });

    it('leaves an unknown option for commander', () => {
      const words = ['docker', 'run', 'img', '-la'];
      expect(separated(...words)).toEqual(words);
    });
  });

  describe('python run', () => {
    it('passes unknown options to the script', () => {
      expect(separated('python', 'run', 'job.py', '--epochs', '3')).toEqual([
        'python',
        'run',
        'job.py',
        '--',
        '--epochs',
        '3',
      ]);
    });

    it('keeps its own options after the file', () => {
      expect(separated('python', 'run', 'job.py', '-t', '9', 'in.csv', '-t', '1')).toEqual([
        'python',
        'run',
        'job.py',
        '-t',
        '9',
        '--',
        'in.csv',
        '-t',
        '1',
      ]);
    });

    it('leaves an unknown option before the file', () => {
      const words = ['python', 'run', '--epochs', 'job.py'];
      expect(separated(...words)).toEqual(words);
    });
  });

  it('leaves other commands alone', () => {
    const words = ['storage', 'ls', 'data', '-r'];
    expect(separated(...words)).toEqual(words);
  });
});
