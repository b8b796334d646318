import type { ExecutionKind } from '../mounts/index.js';
import type { PullPolicy } from '../config/server-config.js';

export type RunStatus =
  | 'pending'
  | 'starting'
  | 'running'
  | 'completed'
  | 'failed'
  | 'timeout'
  | 'aborted'
  | 'system_failure';

export const TERMINAL_STATUSES: readonly RunStatus[] = [
  'completed',
  'failed',
  'timeout',
  'aborted',
  'system_failure',
];

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The request of a Docker run, after validation and defaults. */
export interface DockerRunSpec {
  kind: 'docker';
  image: string;
  /** Replaces the image's CMD when given. */
  command: string[] | undefined;
  env: Record<string, string>;
  enableS3Mount: boolean | undefined;
  s3MountPath: string | undefined;
  timeoutSeconds: number;
  pullPolicy: PullPolicy;
  executionType: string;
  callbackUrls: string[];
}

/** The request of a Python run, after validation and defaults. It contains no credentials. */
export interface PythonRunSpec {
  kind: 'python';
  code: string;
  fileName: string;
  /** Further source files by path relative to the working directory. */
  importFiles: Record<string, string>;
  requirements: string | undefined;
  args: string[];
  image: string;
  timeoutSeconds: number;
  pullPolicy: PullPolicy;
  executionType: string;
  callbackUrls: string[];
}

/** The request of a Compose run, after validation and defaults. */
export interface ComposeRunSpec {
  kind: 'compose';
  /** The Compose file as the request sent it; the run uses it unchanged. */
  composeFile: string;
  /** The service whose exit ends the run; undefined means the run ends when every service has exited. */
  mainService: string | undefined;
  enableS3Mount: boolean | undefined;
  s3MountPath: string | undefined;
  timeoutSeconds: number;
  pullPolicy: PullPolicy;
  executionType: string;
  callbackUrls: string[];
}

export type RunSpec = DockerRunSpec | PythonRunSpec | ComposeRunSpec;

export interface RunRecord {
  id: string;
  accountId: string;
  kind: ExecutionKind;
  status: RunStatus;
  fileName: string | null;
  spec: RunSpec;
  returnCode: number | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
