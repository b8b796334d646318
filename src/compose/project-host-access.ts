import { entriesOf, isMapping, isPresent, isSet, isTrue, lowerText } from './compose-values.js';
import type { HostAccess } from './service-host-access.js';

/**
 * Lists the top-level sections of a Compose file that reach the host or resources outside the
 * project: `include`, and volumes, networks, secrets and configs that are not the project's own.
 */
export function findProjectHostAccess(file: Record<string, unknown>): HostAccess[] {
  const found: HostAccess[] = [];
  const report = (where: string, setting: string, allowance: HostAccess['allowance']) =>
    found.push({ where, setting, allowance });

  if (isSet(file.include)) {
    report('include', `include: ${JSON.stringify(file.include)}`, 'host_files');
  }
  // Compose runs top-level models with the Docker Model plugin, a program on the server.
  if (isSet(file.models)) report('models', 'models', 'providers');
  for (const [name, volume] of entriesOf(file.volumes)) {
    const where = `volumes.${name}`;
    if (isTrue(volume.external)) report(where, 'external: true', 'external_volumes');
    // A volume with a name of its own may be another project's, and "down --volumes" deletes it.
    if (isPresent(volume.name)) report(where, `name: ${String(volume.name)}`, 'external_volumes');
    if (isPresent(volume.driver) && lowerText(volume.driver) !== 'local') {
      report(where, `driver: ${String(volume.driver)}`, 'volume_drivers');
    }
    // The local driver's options can bind any folder of the host ("o: bind", "device: /etc").
    if (isPresent(volume.driver_opts)) report(where, 'driver_opts', 'volume_drivers');
  }
  for (const [name, network] of entriesOf(file.networks)) {
    const where = `networks.${name}`;
    if (isTrue(network.external)) report(where, 'external: true', 'external_networks');
    if (isPresent(network.name))
      report(where, `name: ${String(network.name)}`, 'external_networks');
    if (isPresent(network.driver) && lowerText(network.driver) !== 'bridge') {
      report(where, `driver: ${String(network.driver)}`, 'network_drivers');
    }
    if (isPresent(network.driver_opts) && !onlyRestricts(network.driver_opts)) {
      report(where, 'driver_opts', 'network_drivers');
    }
    // A subnet of the file's choice could overlap a network of the host and capture its traffic.
    if (isPresent(network.ipam)) report(where, 'ipam', 'network_drivers');
  }
  for (const section of ['secrets', 'configs']) {
    for (const [name, entry] of entriesOf(file[section])) {
      // An empty file name resolves to the project folder, with the run's working files.
      if (isSet(entry.file)) {
        report(`${section}.${name}`, `file: ${String(entry.file)}`, 'host_files');
      }
    }
  }
  return found;
}

/** Bridge options that, set to false, only take abilities away from the network's containers. */
const RESTRICTING_BRIDGE_OPTIONS = new Set([
  'com.docker.network.bridge.enable_icc',
  'com.docker.network.bridge.enable_ip_masquerade',
]);

/**
 * Tells whether network driver options only turn off traffic, which needs no allowance. Compose
 * takes only strings here, and the engine reads "false" in any case but not with spaces.
 */
function onlyRestricts(options: unknown): boolean {
  return (
    isMapping(options) &&
    Object.entries(options).every(
      ([key, value]) =>
        RESTRICTING_BRIDGE_OPTIONS.has(key) &&
        typeof value === 'string' &&
        value.toLowerCase() === 'false',
    )
  );
}
