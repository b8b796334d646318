import { S3Client } from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/protocol-http';
import type { TestServer } from '../../docker/support/test-server.js';

export interface IssuedCredentials {
  access_key: string;
  secret_key: string;
  session_token: string;
  endpoint: string;
  bucket_name: string;
  region: string;
  expires_at: string;
}

/** Asks the server for temporary S3 credentials with the given API key (the default account's). */
export async function issueCredentials(
  server: TestServer,
  apiKey = server.apiKey,
  body: Record<string, unknown> = {},
): Promise<IssuedCredentials> {
  const response = await server.api('/storage/credentials', {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200)
    throw new Error(`credentials: ${response.status} ${await response.text()}`);
  return (await response.json()) as IssuedCredentials;
}

/** The AWS SDK for JavaScript v3 client for these credentials, with its default checksum settings. */
export function sdkClient(
  credentials: IssuedCredentials,
  overrides: Partial<IssuedCredentials> = {},
): S3Client {
  const merged = { ...credentials, ...overrides };
  return new S3Client({
    endpoint: merged.endpoint,
    region: merged.region,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: {
      accessKeyId: merged.access_key,
      secretAccessKey: merged.secret_key,
      sessionToken: merged.session_token,
    },
  });
}

/**
 * Returns the SDK client for these credentials that lets `change` edit every request before the
 * request is signed, to send headers or query parameters the SDK's commands do not take.
 */
export function sdkClientEditing(
  credentials: IssuedCredentials,
  change: (request: HttpRequest) => void,
): S3Client {
  const s3 = sdkClient(credentials);
  s3.middlewareStack.add(
    (next) => async (args) => {
      change(args.request as HttpRequest);
      return next(args);
    },
    { step: 'build' },
  );
  return s3;
}

/**
 * The whole environment for the AWS CLI, boto3 and rclone: the credentials and PATH and HOME only,
 * so no setting of the machine (a CA bundle, a profile, a proxy) changes how a client behaves.
 */
export function clientEnv(credentials: IssuedCredentials): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    AWS_ACCESS_KEY_ID: credentials.access_key,
    AWS_SECRET_ACCESS_KEY: credentials.secret_key,
    AWS_SESSION_TOKEN: credentials.session_token,
    AWS_ENDPOINT_URL: credentials.endpoint,
    AWS_ENDPOINT_URL_S3: credentials.endpoint,
    AWS_REGION: credentials.region,
    AWS_DEFAULT_REGION: credentials.region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    LYCEUM_S3_BUCKET: credentials.bucket_name,
  };
}
