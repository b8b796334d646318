import { describe, expect, it } from 'vitest';
import { SystemFailureError } from '../../../src/errors/index.js';
import {
  findServiceContainers,
  firstFailure,
  watchServiceContainers,
} from '../../../src/runs/compose-watch.js';
import { FakeEngine } from './support/fake-engine.js';

const RUN = { 'dev.lyceum.run-id': 'run_1' };

function serviceLabels(service: string, number = 1) {
  return {
    ...RUN,
    'com.docker.compose.service': service,
    'com.docker.compose.container-number': String(number),
  };
}

function collector() {
  const lines: string[] = [];
  return { lines, sink: { append: (chunk: Buffer) => lines.push(chunk.toString()) } };
}

describe('findServiceContainers', () => {
  it('labels containers by service', async () => {
    const engine = new FakeEngine();
    engine.add('c2', serviceLabels('web'));
    engine.add('c1', serviceLabels('db'));
    engine.add('other', { 'dev.lyceum.run-id': 'run_2', 'com.docker.compose.service': 'x' });
    const found = await findServiceContainers(engine, RUN);
    expect(found.map(({ service, label }) => [service, label])).toEqual([
      ['db', 'db'],
      ['web', 'web'],
    ]);
  });

  it('numbers the replicas of a service', async () => {
    const engine = new FakeEngine();
    engine.add('a', serviceLabels('worker', 2));
    engine.add('b', serviceLabels('worker', 1));
    const found = await findServiceContainers(engine, RUN);
    expect(found.map((entry) => entry.label)).toEqual(['worker-1', 'worker-2']);
  });
});

describe('watchServiceContainers', () => {
  it('prefixes the output of each service', async () => {
    const engine = new FakeEngine();
    const web = engine.add('w', serviceLabels('web'));
    const db = engine.add('d', serviceLabels('db'));
    const { lines, sink } = collector();
    const watch = await watchServiceContainers(
      await findServiceContainers(engine, RUN),
      undefined,
      sink,
    );
    web.print('hello\n');
    db.print('ready\n');
    web.exit(0);
    db.exit(0);
    expect(await watch.ended).toBe(0);
    await watch.outputDone;
    expect(lines).toEqual(['web | hello\n', 'db  | ready\n']);
  });

  it('ends with the main service', async () => {
    const engine = new FakeEngine();
    engine.add('d', serviceLabels('db'));
    const job = engine.add('j', serviceLabels('job'));
    const { sink } = collector();
    const watch = await watchServiceContainers(
      await findServiceContainers(engine, RUN),
      'job',
      sink,
    );
    job.exit(4);
    expect(await watch.ended).toBe(4);
  });

  it('waits for every container without a main service', async () => {
    const engine = new FakeEngine();
    const a = engine.add('a', serviceLabels('a'));
    const b = engine.add('b', serviceLabels('b'));
    const { sink } = collector();
    const watch = await watchServiceContainers(
      await findServiceContainers(engine, RUN),
      undefined,
      sink,
    );
    let ended = false;
    void watch.ended.then(() => (ended = true));
    a.exit(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    b.exit(2);
    expect(await watch.ended).toBe(2);
  });

  it('rejects a main service without a container', async () => {
    const engine = new FakeEngine();
    engine.add('a', serviceLabels('a'));
    const { sink } = collector();
    const watch = watchServiceContainers(await findServiceContainers(engine, RUN), 'job', sink);
    await expect(watch).rejects.toThrow(SystemFailureError);
    await expect(watch).rejects.toThrow('The main service "job" has no container');
  });
});

describe('firstFailure', () => {
  it('returns 0 when every container succeeded', () => {
    expect(firstFailure([{ exitCode: 0, finishedAt: '2026-01-01T00:00:01Z' }])).toBe(0);
    expect(firstFailure([])).toBe(0);
  });

  it('returns the code of the earliest failure', () => {
    const states = [
      { exitCode: 6, finishedAt: '2026-01-01T00:00:02.5Z' },
      { exitCode: 0, finishedAt: '2026-01-01T00:00:00Z' },
      { exitCode: 5, finishedAt: '2026-01-01T00:00:02.123456789Z' },
    ];
    expect(firstFailure(states)).toBe(5);
  });

  it('compares times, not texts', () => {
    // As text, ".12Z" sorts after ".123456789Z", but as a time it is 3 ms earlier.
    const states = [
      { exitCode: 8, finishedAt: '2026-01-01T00:00:01.123456789Z' },
      { exitCode: 7, finishedAt: '2026-01-01T00:00:01.12Z' },
    ];
    expect(firstFailure(states)).toBe(7);
  });
});
