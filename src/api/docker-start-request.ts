import { z } from 'zod';
import { callbackUrls } from './callback-urls.js';
import { boundedString, boundedStringList, FIELD_LIMITS } from './field-limits.js';
import type { ServerConfig } from '../config/server-config.js';
import { PULL_POLICIES } from '../config/server-config.js';
import { UnprocessableInputError } from '../errors/index.js';
import { planMounts } from '../mounts/index.js';
import type { DockerRunSpec } from '../runs/run-record.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * A Docker image reference: [registry[:port]/]name[:tag][@digest], in lowercase path parts. The
 * first part is a registry only when it has a "." or a port, or is localhost, as the engine reads
 * it, so `Team/model` is a name with an uppercase letter, which the engine rejects.
 */
const IMAGE_REFERENCE =
  /^(?:(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+)(?::\d+)?\/|[a-zA-Z0-9-]+:\d+\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,})?$/;

/** Checks an image reference, so a bad one is rejected before a run exists. */
export function validateImageReference(image: string, field: string): string {
  if (!IMAGE_REFERENCE.test(image)) {
    throw new UnprocessableInputError(
      `${field} ${JSON.stringify(image)} is not a valid image reference; use a name such as ` +
        'python:3.12-slim or registry.example.com/team/trainer:v2.',
    );
  }
  return image;
}

/** The body of `POST /execution/image/start`, with Lyceum's field names. */
export const dockerStartBody = z.object({
  docker_image_ref: z.string().trim().min(1, 'an image reference is required, such as python:3.12'),
  docker_run_cmd: boundedStringList('docker_run_cmd', FIELD_LIMITS.processBytes).nullish(),
  docker_run_env: z
    .union([
      boundedString('docker_run_env', FIELD_LIMITS.processBytes),
      z
        .record(z.string(), z.string())
        .refine(
          (env) =>
            Object.entries(env).reduce(
              (sum, [key, value]) => sum + Buffer.byteLength(`${key}=${value}`) + 1,
              0,
            ) <= FIELD_LIMITS.processBytes,
          { message: `docker_run_env is longer than ${FIELD_LIMITS.processBytes} bytes in all` },
        ),
    ])
    .nullish(),
  timeout: z.number().nullish(),
  execution_type: boundedString('execution_type', FIELD_LIMITS.typeBytes).nullish(),
  file_name: boundedString('file_name', FIELD_LIMITS.nameBytes).nullish(),
  enable_s3_mount: z.boolean().nullish(),
  s3_mount_path: z.string().nullish(),
  user_callback_urls: callbackUrls,
  pull_policy: z.enum(PULL_POLICIES as [string, ...string[]]).nullish(),
});

export type DockerStartBody = z.infer<typeof dockerStartBody>;

/**
 * Validates a Docker start request and fills in the defaults. The mount plan is checked here too,
 * so a bad mount path is rejected before anything is created.
 */
export function toDockerRunSpec(raw: unknown, config: ServerConfig): DockerRunSpec {
  const body = dockerStartBody.parse(raw);
  const spec: DockerRunSpec = {
    kind: 'docker',
    image: validateImageReference(body.docker_image_ref, 'docker_image_ref'),
    command: body.docker_run_cmd ?? undefined,
    env: parseEnv(body.docker_run_env ?? undefined),
    enableS3Mount: body.enable_s3_mount ?? undefined,
    s3MountPath: body.s3_mount_path ?? undefined,
    timeoutSeconds: resolveTimeout(body.timeout ?? undefined, config),
    pullPolicy: (body.pull_policy ?? config.defaultPullPolicy) as DockerRunSpec['pullPolicy'],
    executionType: body.execution_type ?? 'cpu',
    callbackUrls: body.user_callback_urls ?? [],
  };
  planMounts('docker', { enableS3Mount: spec.enableS3Mount, s3MountPath: spec.s3MountPath });
  return spec;
}

/** Checks `timeout` against the server's range and applies the default. */
export function resolveTimeout(timeout: number | undefined, config: ServerConfig): number {
  if (timeout === undefined) return config.defaultTimeoutSeconds;
  if (!Number.isFinite(timeout) || timeout < 1 || timeout > config.maxTimeoutSeconds) {
    throw new UnprocessableInputError(
      `timeout ${timeout} is out of range; give 1 to ${config.maxTimeoutSeconds} seconds.`,
    );
  }
  return timeout;
}

/** Reads `docker_run_env`: `KEY=value` lines (blank lines skipped) or an object. */
export function parseEnv(raw: string | Record<string, string> | undefined): Record<string, string> {
  if (raw === undefined) return {};
  const entries =
    typeof raw === 'string'
      ? raw
          .split(/\r?\n/)
          .map((line, index) => ({ line, number: index + 1 }))
          .filter(({ line }) => line.trim() !== '')
          .map(({ line, number }) => {
            const equals = line.indexOf('=');
            // The line is not quoted back, since it may hold a secret meant as a value.
            if (equals <= 0) {
              throw new UnprocessableInputError(
                `docker_run_env line ${number} is not KEY=value; write one variable per line.`,
              );
            }
            return [line.slice(0, equals), line.slice(equals + 1)] as const;
          })
      : Object.entries(raw);
  for (const [name, value] of entries) {
    if (!ENV_NAME.test(name)) {
      throw new UnprocessableInputError(
        `Environment variable name ${JSON.stringify(name)} is invalid; use letters, digits and _, not starting with a digit.`,
      );
    }
    // The engine rejects such a value only once the run is created, and quotes it in its error.
    if (value.includes('\u0000')) {
      throw new UnprocessableInputError(
        `Environment variable ${name} has a NUL character in its value; remove it.`,
      );
    }
  }
  return Object.fromEntries(entries);
}
