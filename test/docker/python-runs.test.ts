import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerAvailable } from './support/docker-available.js';
import { startTestServer, waitForStatus, type TestServer } from './support/test-server.js';

const PYTHON = 'lyceum-test/python:2';

// boto3 1.26 in the test image predates AWS_ENDPOINT_URL, so scripts pass the endpoint themselves.
const CLIENT = `import os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
bucket = os.environ["LYCEUM_S3_BUCKET"]
`;

function python(server: TestServer, args: string[], cwd?: string) {
  return server.cli(
    ['python', 'run', '--image', PYTHON, '--pull', 'never', ...args],
    cwd === undefined ? {} : { cwd },
  );
}

describe.skipIf(!dockerAvailable)('lyceum python run', () => {
  it('runs the main Python job', async () => {
    await using server = await startTestServer();
    const csv = join(server.dataDir, 'prices.csv');
    await writeFile(csv, 'item,price\na,1.5\nb,2.5\nc,6\n');
    expect((await server.cli(['storage', 'load', csv, '--key', 'data/prices.csv'])).exitCode).toBe(
      0,
    );

    const script = join(server.dataDir, 'total.py');
    await writeFile(
      script,
      `${CLIENT}import csv, io
rows = list(csv.DictReader(io.StringIO(s3.get_object(Bucket=bucket, Key="data/prices.csv")["Body"].read().decode())))
total = sum(float(row["price"]) for row in rows)
s3.put_object(Bucket=bucket, Key="results/total.txt", Body=f"{total}\\n".encode())
print("total", total)
`,
    );
    const run = await python(server, [script]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('total 10.0');
    expect(run.exitCode).toBe(0);

    const output = join(server.dataDir, 'total.txt');
    expect(
      (await server.cli(['storage', 'download', 'results/total.txt', '-o', output])).exitCode,
    ).toBe(0);
    expect(await readFile(output, 'utf8')).toBe('10.0\n');
  });

  it('sends local modules, arguments and requirements', async () => {
    await using server = await startTestServer();
    const project = join(server.dataDir, 'project');
    await mkdir(join(project, 'tools'), { recursive: true });
    await writeFile(join(project, 'tools', '__init__.py'), '');
    await writeFile(join(project, 'tools', 'text.py'), 'from .case import shout\n');
    await writeFile(
      join(project, 'tools', 'case.py'),
      'def shout(value):\n    return value.upper()\n',
    );
    await writeFile(join(project, 'helper.py'), 'GREETING = "hello"\n');
    await writeFile(
      join(project, 'main.py'),
      'import sys\nimport helper\nfrom tools.text import shout\nimport boto3\nprint(shout(helper.GREETING), sys.argv[1:], boto3.__name__)\n',
    );
    const run = await python(server, ['main.py', '-r', 'boto3', '--', 'one', '--two'], project);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Requirement already satisfied: boto3');
    expect(run.stdout.split('\n').at(-1)).toBe("HELLO ['one', '--two'] boto3");
  });

  it('runs inline code', async () => {
    await using server = await startTestServer();
    const run = await python(server, [
      'import os; print(os.getcwd(), [name for name in os.environ if name.startswith("LYCEUM_FILE")])',
    ]);
    expect(run.stdout).toBe('/workspace []');
    expect(run.exitCode).toBe(0);
  });

  it('copies large modules in as an archive', async () => {
    await using server = await startTestServer();
    const project = join(server.dataDir, 'large');
    await mkdir(project);
    await writeFile(join(project, 'table.py'), `DATA = ${JSON.stringify('x'.repeat(300_000))}\n`);
    await writeFile(join(project, 'main.py'), 'import table\nprint(len(table.DATA))\n');
    const run = await python(server, ['main.py'], project);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('300000');
    expect(run.exitCode).toBe(0);
  });

  it('runs an image whose user is not root', async () => {
    await using server = await startTestServer();
    const project = join(server.dataDir, 'nonroot');
    await mkdir(project);
    await writeFile(join(project, 'helper.py'), 'NAME = "helper"\n');
    await writeFile(
      join(project, 'main.py'),
      'import os, helper\nopen("out.txt", "w").write("ok")\nprint(os.getuid(), helper.NAME, open("out.txt").read())\n',
    );
    const run = await server.cli(
      ['python', 'run', '--image', 'lyceum-test/python-nonroot:1', '--pull', 'never', 'main.py'],
      { cwd: project },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('1000 helper ok');
    expect(run.exitCode).toBe(0);
  });

  it('gives credentials, no mount and masks secrets', async () => {
    await using server = await startTestServer();
    const bob = JSON.parse(
      (await server.cli(['accounts', 'create', 'bob', '--data-dir', server.dataDir, '--json']))
        .stdout,
    ) as { bucket_name: string };
    const script = `${CLIENT}import botocore
names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "LYCEUM_S3_BUCKET", "LYCEUM_S3_ENDPOINT"]
print("missing", [name for name in names if not os.environ.get(name)])
mounts = open("/proc/mounts").read()
print("bucket mounted", "/mnt/s3" in mounts or "lyceum" in mounts)
print("secret", os.environ["AWS_SECRET_ACCESS_KEY"])
try:
    s3.list_objects_v2(Bucket="${bob.bucket_name}")
    print("other bucket listed")
except botocore.exceptions.ClientError as error:
    print("other bucket", error.response["Error"]["Code"])
print("own bucket", s3.list_objects_v2(Bucket=bucket)["KeyCount"])
`;
    const run = await python(server, [script]);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toEqual([
      'missing []',
      'bucket mounted False',
      'secret ********',
      'other bucket AccessDenied',
      'own bucket 0',
    ]);
    const [record] = (await (await server.api('/workloads/list')).json()) as {
      execution_id: string;
    }[];
    const stored = await (
      await server.api(`/execution/streaming/${record!.execution_id}/output`)
    ).text();
    expect(stored).toContain('secret ********');
    const log = await server.log();
    expect(log).not.toMatch(/AWS_SECRET_ACCESS_KEY=|AWS_SESSION_TOKEN=/);
  });

  it.each([
    [0, 'print("ok")'],
    [3, 'import sys; sys.exit(3)'],
  ])('passes exit code %i through', async (code, source) => {
    await using server = await startTestServer();
    const run = await python(server, [source]);
    expect(run.exitCode).toBe(code);
  });

  it.each([
    ['syntax error', 'def broken(:', 'SyntaxError'],
    ['unknown module', 'import no_such_module_anywhere', 'ModuleNotFoundError'],
  ])('fails a %s as failed', async (_case, source, words) => {
    await using server = await startTestServer();
    const run = await python(server, [source]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(words);
    const [record] = (await (await server.api('/workloads/list')).json()) as { status: string }[];
    expect(record?.status).toBe('failed');
  });

  it('fails a run whose requirements cannot install', async () => {
    await using server = await startTestServer();
    // An invalid requirement fails inside pip without any request to a package index.
    const requirements = join(server.dataDir, 'requirements.txt');
    await writeFile(requirements, 'bad requirement!!\n');
    const run = await python(server, ['print("never")', '-r', requirements]);
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('installing the requirements failed');
    expect(run.stdout).not.toContain('never');
    const [record] = (await (await server.api('/workloads/list')).json()) as { status: string }[];
    expect(record?.status).toBe('failed');
  });

  it('stops a run at its timeout', async () => {
    await using server = await startTestServer();
    const run = await python(server, [
      'import time; print("started", flush=True); time.sleep(60)',
      '-t',
      '1',
    ]);
    expect(run.exitCode).toBe(124);
    expect(run.stdout).toContain('started');
  });

  it('stops a timed-out run with the stop signal', async () => {
    await using server = await startTestServer();
    const start = await python(server, ['import time; time.sleep(60)', '-t', '1', '-d']);
    const finished = await waitForStatus(server, start.stdout.trim());
    expect(finished.status).toBe('timeout');
    // 143 is SIGTERM; 137 would mean the stop signal was ignored and the kill came after the grace.
    expect(finished.return_code).toBe(143);
  });

  it('aborts a detached run', async () => {
    await using server = await startTestServer();
    const start = await python(server, ['import time; time.sleep(60)', '-d']);
    const id = start.stdout.trim();
    await waitForStatus(server, id, (status) => status === 'running');
    expect((await server.cli(['workloads', 'abort', id])).exitCode).toBe(0);
    expect((await waitForStatus(server, id)).status).toBe('aborted');
  });

  it.each([
    [['   '], 'empty'],
    [['missing_script.py'], 'not found'],
    [['print(1)', '-r', 'requirements.txt'], 'Requirements file "requirements.txt" not found'],
    [['print(1)', '-t', '0'], 'positive number'],
    [['print(1)', '-t', '90000'], '1 to 86400'],
  ])('rejects %j before starting', async (args, words) => {
    await using server = await startTestServer();
    const run = await python(server, args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(words);
    expect(await (await server.api('/workloads/list')).json()).toEqual([]);
  });
});
