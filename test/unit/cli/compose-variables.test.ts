import { describe, expect, it } from 'vitest';
import { shellVariablesInFile } from '../../../src/cli/compose-variables.js';

const env = { EPOCHS: '1', MY_TOKEN: 'abc', PATH: '/bin', EMPTY: '' };

describe('shellVariablesInFile', () => {
  it.each([
    ['command: train --epochs ${EPOCHS:-3}', ['EPOCHS']],
    ['command: echo "[$MY_TOKEN] [${MY_TOKEN}]"', ['MY_TOKEN']],
    ['command: echo ${EMPTY}', ['EMPTY']],
    ['command: echo $$EPOCHS', []],
    ['command: echo $$$EPOCHS', ['EPOCHS']],
    ['command: echo ${PATH} ${UNSET:-x}', []],
    ['command: echo $(date)', []],
  ])('finds the shell variables of %j', (text, names) => {
    expect(shellVariablesInFile(text, env)).toEqual(names);
  });
});
