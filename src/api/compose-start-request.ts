import { z } from 'zod';
import { callbackUrls } from './callback-urls.js';
import { boundedString, FIELD_LIMITS } from './field-limits.js';
import { checkComposeFile } from '../compose/check-compose-file.js';
import type { ServerConfig } from '../config/server-config.js';
import { PULL_POLICIES } from '../config/server-config.js';
import { planMounts } from '../mounts/index.js';
import type { ComposeRunSpec } from '../runs/run-record.js';
import { resolveTimeout } from './docker-start-request.js';

/** The body of `POST /execution/compose/start`, with Lyceum's field names. */
export const composeStartBody = z.object({
  compose_file_code: boundedString('compose_file_code', FIELD_LIMITS.composeFileBytes).refine(
    (text) => text.trim() !== '',
    { message: 'the text of a Compose file is required' },
  ),
  enable_s3_mount: z.boolean().nullish(),
  s3_mount_path: z.string().nullish(),
  timeout: z.number().nullish(),
  execution_type: boundedString('execution_type', FIELD_LIMITS.typeBytes).nullish(),
  file_name: boundedString('file_name', FIELD_LIMITS.nameBytes).nullish(),
  user_callback_urls: callbackUrls,
  pull_policy: z.enum(PULL_POLICIES as [string, ...string[]]).nullish(),
  // Not in Lyceum's API: the service whose exit ends the run.
  main_service: z.string().min(1).nullish(),
});

/**
 * Validates a Compose start request and fills in the defaults. The mount plan and the Compose
 * file are checked here, so bad input is rejected before anything is recorded or created.
 */
export function toComposeRunSpec(raw: unknown, config: ServerConfig): ComposeRunSpec {
  const body = composeStartBody.parse(raw);
  const spec: ComposeRunSpec = {
    kind: 'compose',
    composeFile: body.compose_file_code,
    mainService: body.main_service ?? undefined,
    enableS3Mount: body.enable_s3_mount ?? undefined,
    s3MountPath: body.s3_mount_path ?? undefined,
    timeoutSeconds: resolveTimeout(body.timeout ?? undefined, config),
    pullPolicy: (body.pull_policy ?? config.defaultPullPolicy) as ComposeRunSpec['pullPolicy'],
    executionType: body.execution_type ?? 'cpu',
    callbackUrls: body.user_callback_urls ?? [],
  };
  const plan = planMounts('compose', {
    enableS3Mount: spec.enableS3Mount,
    s3MountPath: spec.s3MountPath,
  });
  checkComposeFile(spec.composeFile, {
    mountPath: plan.kind === 'bucket' ? plan.containerPath : undefined,
    mainService: spec.mainService,
    allowances: config.composeAllowances,
    variables: config.composeEnvironment,
  });
  return spec;
}
