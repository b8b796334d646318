import { describe, expect, it } from 'vitest';
import { SystemFailureError } from '../../../src/errors/index.js';
import { ComposeWatch, firstFailure } from '../../../src/runs/compose-watch.js';
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

async function subscribe(engine: FakeEngine, names: string[], mainService?: string, tty = false) {
  const { lines, sink } = collector();
  const watch = await ComposeWatch.subscribe({
    engine,
    labels: RUN,
    services: names.map((name) => ({ name, tty })),
    mainService,
    sink,
  });
  return { lines, watch };
}

describe('ComposeWatch', () => {
  it('prefixes the output of each service', async () => {
    const engine = new FakeEngine();
    const { lines, watch } = await subscribe(engine, ['web', 'db']);
    const web = engine.add('w', serviceLabels('web'));
    const db = engine.add('d', serviceLabels('db'));
    web.announceCreate();
    db.announceCreate();
    const project = await watch.follow();
    web.print('hello\n');
    db.print('ready\n');
    web.exit(0);
    db.exit(0);
    expect(await project.ended).toBe(0);
    await project.outputDone;
    expect(lines).toEqual(['web | hello\n', 'db  | ready\n']);
  });

  it('follows the logs once a container starts', async () => {
    const engine = new FakeEngine();
    const { watch } = await subscribe(engine, ['web'], undefined, true);
    const web = engine.add('w', serviceLabels('web'));
    web.announceCreate();
    expect(web.logFollows).toBe(0);
    web.announceStart();
    await watch.follow();
    expect(web.logFollows).toBe(1);
    expect(web.attachments).toEqual([]);
  });

  it('attaches when the logs cannot be read', async () => {
    const engine = new FakeEngine();
    const { lines, watch } = await subscribe(engine, ['web'], undefined, true);
    const web = engine.add('w', serviceLabels('web'));
    web.logsUnreadable = true;
    web.announceStart();
    const project = await watch.follow();
    await new Promise((resolve) => setImmediate(resolve));
    web.print('live\n');
    web.exit(0);
    await project.outputDone;
    expect(web.attachments).toEqual([{ tty: true }]);
    expect(lines).toEqual(['web | live\n']);
  });

  it('follows containers the events missed', async () => {
    const engine = new FakeEngine();
    const { lines, watch } = await subscribe(engine, ['web']);
    const web = engine.add('w', serviceLabels('web'));
    const project = await watch.follow();
    web.print('late\n');
    web.exit(0);
    await project.outputDone;
    expect(lines).toEqual(['web | late\n']);
    expect(web.attachments).toEqual([]);
  });

  it('numbers replicas from the second on', async () => {
    const engine = new FakeEngine();
    const { lines, watch } = await subscribe(engine, ['worker']);
    const first = engine.add('a', serviceLabels('worker', 1));
    const second = engine.add('b', serviceLabels('worker', 2));
    const project = await watch.follow();
    first.print('one\n');
    second.print('two\n');
    expect(project.containers).toHaveLength(2);
    expect(lines).toEqual(['worker | one\n', 'worker-2 | two\n']);
  });

  it('ends with the main service', async () => {
    const engine = new FakeEngine();
    const { watch } = await subscribe(engine, ['db', 'job'], 'job');
    engine.add('d', serviceLabels('db'));
    const job = engine.add('j', serviceLabels('job'));
    const project = await watch.follow();
    job.exit(4);
    expect(await project.ended).toBe(4);
    expect(engine.subscriberCount).toBe(0);
  });

  it('waits for every container without a main service', async () => {
    const engine = new FakeEngine();
    const { watch } = await subscribe(engine, ['a', 'b']);
    const a = engine.add('a', serviceLabels('a'));
    const b = engine.add('b', serviceLabels('b'));
    const project = await watch.follow();
    let ended = false;
    void project.ended.then(() => (ended = true));
    a.exit(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    b.exit(2);
    expect(await project.ended).toBe(2);
  });

  it('returns the first failure by exit time', async () => {
    const engine = new FakeEngine();
    const { watch } = await subscribe(engine, ['early', 'late']);
    const early = engine.add('e', serviceLabels('early'));
    const late = engine.add('l', serviceLabels('late'));
    const project = await watch.follow();
    late.exit(6, '2026-01-01T00:00:02Z');
    early.exit(5, '2026-01-01T00:00:01Z');
    expect(await project.ended).toBe(5);
  });

  it('reads exits from the engine without events', async () => {
    const engine = new FakeEngine();
    engine.sendsEvents = false;
    const { watch } = await subscribe(engine, ['a', 'b']);
    const a = engine.add('a', serviceLabels('a'));
    engine.add('b', serviceLabels('b')).exit(3, '2026-01-01T00:00:01Z');
    const project = await watch.follow();
    a.exit(0);
    expect(await project.ended).toBe(3);
  });

  it('rejects a main service without a container', async () => {
    const engine = new FakeEngine();
    const { watch } = await subscribe(engine, ['a'], 'job');
    engine.add('a', serviceLabels('a'));
    const follow = watch.follow();
    await expect(follow).rejects.toThrow(SystemFailureError);
    await expect(follow).rejects.toThrow('The main service "job" has no container');
    expect(engine.subscriberCount).toBe(0);
  });
});

describe('firstFailure', () => {
  it('returns 0 when every container succeeded', () => {
    expect(firstFailure([{ exitCode: 0, timeMs: 1000 }])).toBe(0);
    expect(firstFailure([])).toBe(0);
  });

  it('returns the code of the earliest failure', () => {
    const exits = [
      { exitCode: 6, timeMs: 2500 },
      { exitCode: 0, timeMs: 0 },
      { exitCode: 5, timeMs: 2123 },
    ];
    expect(firstFailure(exits)).toBe(5);
  });
});
