import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueCredentials } from '../integration/s3/s3-test-support.js';
import { dockerAvailable } from './support/docker-available.js';
import { startTestServer } from './support/test-server.js';

const PYTHON = 'lyceum-test/python:2';

// boto3 1.26 in the test image predates AWS_ENDPOINT_URL, so the script passes the endpoint itself.
const SCRIPT = `
import os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                  config=boto3.session.Config(s3={"addressing_style": "path"}))
bucket = os.environ["LYCEUM_S3_BUCKET"]
s3.put_object(Bucket=bucket, Key="from-run/hello.txt", Body=b"written by a run")
print(s3.get_object(Bucket=bucket, Key="from-run/hello.txt")["Body"].read().decode())
print(sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]))
print(open("/proc/mounts").read().count("/mnt/s3"))
`;

describe.skipIf(!dockerAvailable)('S3 endpoint from runs', () => {
  it('reaches the endpoint through the bridge gateway', async () => {
    await using server = await startTestServer();
    const gateway = server.server.s3GatewayUrl;
    expect(
      gateway,
      (await server.log())
        .split('\n')
        .filter((line) => line.includes('S3'))
        .join('\n'),
    ).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:\d+$/);
    const credentials = await issueCredentials(server);
    const env = {
      AWS_ACCESS_KEY_ID: credentials.access_key,
      AWS_SECRET_ACCESS_KEY: credentials.secret_key,
      AWS_SESSION_TOKEN: credentials.session_token,
      AWS_ENDPOINT_URL: gateway!,
      AWS_DEFAULT_REGION: credentials.region,
      LYCEUM_S3_BUCKET: credentials.bucket_name,
    };
    const run = await server.cli([
      'docker',
      'run',
      '--no-s3',
      PYTHON,
      ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]),
      '--',
      'python3',
      '-c',
      SCRIPT,
    ]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('written by a run');
    expect(lines[1]).toBe("['from-run/hello.txt']");
    expect(lines[2]).toBe('0');
    expect(await readFile(join(server.bucketDir, 'from-run', 'hello.txt'), 'utf8')).toBe(
      'written by a run',
    );
  });
});
