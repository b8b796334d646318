/** Labels on every Docker resource the server creates; listing, abort and clean-up are built on them. */
export const LABEL_MANAGED = 'dev.lyceum.managed';
export const LABEL_SERVER = 'dev.lyceum.server';
export const LABEL_RUN_ID = 'dev.lyceum.run-id';
export const LABEL_ACCOUNT_ID = 'dev.lyceum.account-id';
export const LABEL_KIND = 'dev.lyceum.kind';

/** Labels that Compose sets on the containers of a project. */
export const COMPOSE_LABEL_SERVICE = 'com.docker.compose.service';
export const COMPOSE_LABEL_CONTAINER_NUMBER = 'com.docker.compose.container-number';

export function runLabels(options: {
  serverId: string;
  runId: string;
  accountId: string;
  kind: string;
}): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_SERVER]: options.serverId,
    [LABEL_RUN_ID]: options.runId,
    [LABEL_ACCOUNT_ID]: options.accountId,
    [LABEL_KIND]: options.kind,
  };
}
