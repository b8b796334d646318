import { SystemFailureError } from '../errors/index.js';
import type { ContainerEngine } from './container-engine.js';

/**
 * The network the server makes for Docker and Python runs when the engine's default bridge lets
 * containers reach one another. It is a bridge without inter-container traffic, so a service that
 * one run listens with is closed to every other run, of any account, while the host still reaches
 * it and it still reaches the host's S3 endpoint. Compose runs get a network per project from
 * Compose instead.
 */
export const RUN_NETWORK = 'lyceum-runs';

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
    if (await engine.hasNetwork(configured)) return configured;
    throw new SystemFailureError(
      `Network ${JSON.stringify(configured)} (LYCEUM_RUN_NETWORK) was not found in the Docker ` +
        'engine. Create it with "docker network create", or change or unset LYCEUM_RUN_NETWORK ' +
        'and restart the server.',
    );
  }
  if (configured === undefined && (await engine.defaultBridgeKeepsContainersApart())) {
    return DEFAULT_BRIDGE;
  }
  await engine.ensureIsolatedNetwork(RUN_NETWORK);
  return RUN_NETWORK;
}
