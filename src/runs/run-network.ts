import type { Logger } from 'pino';
import { SystemFailureError } from '../errors/index.js';
import type { ContainerEngine } from './container-engine.js';
import { isRunProjectName } from './compose-project.js';

/**
 * The network the server makes for Docker and Python runs when the engine's default bridge lets
 * containers reach one another. It is a bridge without inter-container traffic, so a service that
 * one run listens with is closed to every other run, of any account, while the host still reaches
 * it and it still reaches the host's S3 endpoint. Compose runs get a network per project from
 * Compose instead.
 */
export const RUN_NETWORK = 'lyceum-runs';

/** The bridge driver option that, set to false, keeps a network's containers from reaching one another. */
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';

/** The engine's default bridge, as `docker run` joins it. */
export const DEFAULT_BRIDGE = 'bridge';

/**
 * Returns the network a Docker or Python run joins: the one `LYCEUM_RUN_NETWORK` names, else the
 * default bridge when the engine keeps its containers apart (`dockerd --icc=false`), else
 * `lyceum-runs`. A network other than the default bridge costs about 50 ms per container start
 * (measured on Docker 20.10).
 */
export async function runNetworkFor(
  engine: ContainerEngine,
  configured: string | undefined,
): Promise<string> {
  if (configured !== undefined && configured !== RUN_NETWORK) {
    await checkConfiguredNetwork(engine, configured);
    return configured;
  }
  const bridge = configured === undefined ? await engine.inspectNetwork(DEFAULT_BRIDGE) : undefined;
  if (bridge?.options[ICC_OPTION] === 'false') {
    return DEFAULT_BRIDGE;
  }
  await engine.ensureIsolatedNetwork(RUN_NETWORK);
  return RUN_NETWORK;
}

/**
 * Rejects an operator's network that runs must not join. That is a network the engine lacks or
 * finds only by id, since an id can stand for `host` or `none`, which the name check at start-up
 * lets through. It is also a network with the host's network stack or none, and one that a Compose
 * run of some account made for itself.
 */
async function checkConfiguredNetwork(engine: ContainerEngine, name: string): Promise<void> {
  const network = await engine.inspectNetwork(name);
  const advice = 'or change or unset LYCEUM_RUN_NETWORK and restart the server.';
  if (network === undefined) {
    throw new SystemFailureError(
      `Network "${name}" (LYCEUM_RUN_NETWORK) was not found in the Docker engine. Create it with ` +
        `"docker network create", ${advice}`,
    );
  }
  if (network.name !== name) {
    throw new SystemFailureError(
      `LYCEUM_RUN_NETWORK "${name}" is the id of network "${network.name}", not a name. Name the ` +
        `network by its name, ${advice}`,
    );
  }
  if (network.driver === 'host' || network.driver === 'null') {
    throw new SystemFailureError(
      `Network "${name}" (LYCEUM_RUN_NETWORK) uses the ${network.driver} driver, which would give ` +
        `runs the host's network or none at all. Name a bridge network, ${advice}`,
    );
  }
  const project = network.labels['com.docker.compose.project'] ?? '';
  if (isRunProjectName(project)) {
    throw new SystemFailureError(
      `Network "${name}" (LYCEUM_RUN_NETWORK) belongs to the Compose run ${project}, so runs on it ` +
        `would reach that run's services. Name a network of your own, ${advice}`,
    );
  }
}

/**
 * Checks the network that `LYCEUM_RUN_NETWORK` names when the server starts, so that the operator
 * learns of a network runs cannot join, or one where they reach one another, before the first run.
 */
export async function checkRunNetworkAtStart(
  engine: ContainerEngine,
  name: string,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  try {
    await runNetworkFor(engine, name);
  } catch (error) {
    logger.warn(
      { err: error, network: name },
      'Checking LYCEUM_RUN_NETWORK failed; Docker and Python runs fail until it names a network they can join',
    );
    return;
  }
  const network = await engine.inspectNetwork(name).catch(() => undefined);
  if (network?.driver === 'bridge' && network.options[ICC_OPTION] !== 'false') {
    logger.warn(
      { network: name },
      `Runs on LYCEUM_RUN_NETWORK can reach one another's services, because the network lacks ${ICC_OPTION}=false`,
    );
  }
}
