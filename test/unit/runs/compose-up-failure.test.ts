import { describe, expect, it } from 'vitest';
import { CommandNotRunnableError, ComposeStartFailedError } from '../../../src/errors/index.js';
import { userFaultInUp } from '../../../src/runs/compose-up-failure.js';

const NOT_FOUND =
  'Error response from daemon: failed to create shim task: OCI runtime create failed: runc create ' +
  'failed: unable to start container process: exec: "nonexist": executable file not found in $PATH: unknown';

describe('userFaultInUp', () => {
  it('reads a missing command as 127', () => {
    const error = userFaultInUp(NOT_FOUND, undefined);
    expect(error).toBeInstanceOf(CommandNotRunnableError);
    expect((error as CommandNotRunnableError).returnCode).toBe(127);
    expect(error?.message).toContain('exec: "nonexist": executable file not found');
  });

  it('reads a missing script as 127', () => {
    const output = 'exec: "/app/run.sh": stat /app/run.sh: no such file or directory: unknown';
    expect((userFaultInUp(output, undefined) as CommandNotRunnableError).returnCode).toBe(127);
  });

  it('reads a command without permission as 126', () => {
    const output = 'exec: "/app/run.sh": permission denied: unknown';
    expect((userFaultInUp(output, undefined) as CommandNotRunnableError).returnCode).toBe(126);
  });

  it('passes on the exit code of a failed dependency', () => {
    const error = userFaultInUp('service "db" didn\'t complete successfully: exit 3', undefined);
    expect(error).toBeInstanceOf(ComposeStartFailedError);
    expect((error as ComposeStartFailedError).returnCode).toBe(3);
    expect(error?.message).toContain('Service db exited with code 3');
  });

  it('reads the exit code of a failed dependency from Compose v1', () => {
    const output = 'ERROR: for main  Container "d2b385a48287" exited with code 3.';
    const error = userFaultInUp(output, undefined);
    expect((error as ComposeStartFailedError).returnCode).toBe(3);
    expect(error?.message).toContain('Container "d2b385a48287" exited with code 3');
  });

  it('names an unhealthy dependency of Compose v1', () => {
    const output = 'ERROR: for main  Container "9d9f563bc445" is unhealthy.';
    expect(userFaultInUp(output, undefined)?.message).toContain(
      '9d9f563bc445 never became healthy',
    );
  });

  it('names an unhealthy dependency', () => {
    const output = 'dependency failed to start: container lyceum-run-db-1 is unhealthy';
    const error = userFaultInUp(output, undefined);
    expect((error as ComposeStartFailedError).returnCode).toBe(1);
    expect(error?.message).toContain('lyceum-run-db-1 never became healthy');
  });

  it('names the container Compose v2 was starting', () => {
    const output = ` Container run-main-1  Created\n Container run-main-1  Starting\n${NOT_FOUND}`;
    expect(userFaultInUp(output, undefined)?.message).toContain(
      'Container run-main-1 could not start its command',
    );
  });

  it('names the service Compose v1 could not start', () => {
    const output = `ERROR: for main  Cannot start service main: ${NOT_FOUND}`;
    expect(userFaultInUp(output, undefined)?.message).toContain(
      'Service main could not start its command',
    );
  });

  it.each([
    'Bind for 127.0.0.1:28873 failed: port is already allocated',
    'listen tcp4 0.0.0.0:8000: bind: address already in use',
  ])('reads a taken port in %j', (output) => {
    const error = userFaultInUp(output, undefined);
    expect(error).toBeInstanceOf(ComposeStartFailedError);
    expect(error?.message).toContain('A port the file publishes is taken on the server');
  });

  it.each([
    [
      ' Container run-gpu-1  Starting\nError response from daemon: could not select device driver "nvidia" with capabilities: [[gpu]]',
      'Container run-gpu-1 asks for a device driver or runtime',
    ],
    [
      ' Container run-gpu-1  Starting\nError response from daemon: Unknown runtime specified nvidia',
      'Container run-gpu-1 asks for a device driver or runtime',
    ],
  ])('reads a missing GPU driver or runtime in %j', (output, message) => {
    const error = userFaultInUp(output, undefined);
    expect(error).toBeInstanceOf(ComposeStartFailedError);
    expect(error?.message).toContain(message);
    expect(error?.message).toContain('remove the request, such as "gpus" or "runtime"');
  });

  it('leaves other failures to the server', () => {
    expect(userFaultInUp('Cannot connect to the Docker daemon', undefined)).toBeUndefined();
  });
});
