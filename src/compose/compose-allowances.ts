import { InvalidInputError } from '../errors/index.js';

/**
 * The kinds of host access a Compose file is rejected for by default, each with what it covers.
 * An operator allows some of them by listing their keys in LYCEUM_COMPOSE_ALLOW.
 */
export const COMPOSE_ALLOWANCES = {
  bind_mounts: 'folders or files of the host mounted into a service (bind mounts)',
  docker_socket:
    "the Docker engine's socket, or a folder that contains it, mounted into a service, and use_api_socket",
  privileged: 'privileged: true, a negative oom_score_adj, and oom_kill_disable',
  host_network: 'network_mode: host',
  host_pid: 'pid: host',
  host_ipc: 'ipc: host',
  host_uts: 'uts: host',
  host_userns: 'userns_mode: host',
  host_cgroup: 'cgroup: host',
  cgroup_parent: 'cgroup_parent',
  devices: 'devices and device_cgroup_rules',
  cap_add: 'cap_add',
  security_opt: 'security_opt',
  foreign_containers:
    'volumes_from, network_mode, pid or ipc naming a container outside the project, and external_links',
  host_files:
    'env_file, label_file, extends with a file, include, and secrets or configs read from a file',
  external_volumes: 'volumes declared external or given a name of their own',
  volume_drivers: 'volumes with a driver other than local, or with driver_opts',
  external_networks:
    'networks declared external or given a name of their own, and network_mode naming a network',
  network_drivers:
    'networks with a driver other than bridge, or with driver_opts (other than traffic turned off) or ipam',
  providers:
    'services with a provider, and top-level models, which Compose carries out by running a program on the server',
  logging_drivers:
    'logging drivers other than json-file, local and none, which make the engine send output elsewhere',
} as const;

export type ComposeAllowance = keyof typeof COMPOSE_ALLOWANCES;

/** Reads a comma-separated list of allowance keys, such as the value of LYCEUM_COMPOSE_ALLOW. */
export function parseComposeAllowances(
  value: string | undefined,
  source = 'LYCEUM_COMPOSE_ALLOW',
): ComposeAllowance[] {
  if (value === undefined) return [];
  const keys = value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  for (const key of keys) {
    if (!Object.hasOwn(COMPOSE_ALLOWANCES, key)) {
      throw new InvalidInputError(
        `${source} lists ${JSON.stringify(key)}, which is not a known key; ` +
          `use any of ${Object.keys(COMPOSE_ALLOWANCES).join(', ')}.`,
      );
    }
  }
  return [...new Set(keys)] as ComposeAllowance[];
}
