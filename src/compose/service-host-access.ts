import { posix } from 'node:path';
import type { ComposeAllowance } from './compose-allowances.js';
import { asMapping, isPresent, isSet, isTrue, listOf, lowerText } from './compose-values.js';
import { serviceMounts } from './service-mounts.js';

/** One way a Compose file reaches the host, found in a service or in a top-level section. */
export interface HostAccess {
  /** The location of the key, such as `service "web"` or `volumes.data`. */
  where: string;
  /** The key and value as the file set them, for example `privileged: true`. */
  setting: string;
  allowance: ComposeAllowance;
}

type Report = (setting: string, allowance: ComposeAllowance) => void;

/** Sockets that control the engine: Docker's own and those of the containerd it runs on. */
const ENGINE_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/containerd/containerd.sock',
  '/var/run/containerd/containerd.sock',
  '/run/docker/containerd/containerd.sock',
  '/var/run/docker/containerd/containerd.sock',
];
/** Keys of `blkio_config` that name device paths on the host. */
const BLKIO_DEVICE_KEYS = [
  'weight_device',
  'device_read_bps',
  'device_write_bps',
  'device_read_iops',
  'device_write_iops',
];
/** Logging drivers that keep a service's output on the engine's host, where Docker reads it. */
const LOCAL_LOGGING_DRIVERS = new Set(['', 'json-file', 'local', 'none']);
/**
 * Modes that keep a service in its project. `bridge`, and `default`, which the engine reads as
 * `bridge`, put it on the engine's network, shared by all.
 */
const PLAIN_NETWORK_MODES = new Set(['', 'none']);
const HOST_NAMESPACES = [
  ['pid', 'host_pid'],
  ['ipc', 'host_ipc'],
  ['uts', 'host_uts'],
  ['userns_mode', 'host_userns'],
  ['cgroup', 'host_cgroup'],
] as const;
/** Keys that reach the host whenever they list anything. */
const LIST_KEYS = [
  ['devices', 'devices'],
  ['device_cgroup_rules', 'devices'],
  ['cap_add', 'cap_add'],
  ['security_opt', 'security_opt'],
  ['env_file', 'host_files'],
  ['label_file', 'host_files'],
  ['external_links', 'foreign_containers'],
] as const;

/** Lists every key of one service that reaches the host or containers outside the project. */
export function findServiceHostAccess(
  name: string,
  service: Record<string, unknown>,
): HostAccess[] {
  const found: HostAccess[] = [];
  const report: Report = (setting, allowance) =>
    found.push({ where: `service ${JSON.stringify(name)}`, setting, allowance });

  if (isTrue(service.privileged)) report(`privileged: ${String(service.privileged)}`, 'privileged');
  if (isTrue(service.use_api_socket)) {
    report(`use_api_socket: ${String(service.use_api_socket)}`, 'docker_socket');
  }
  // Compose 2.36 and later run a provider service as a program found on the server's PATH.
  if (isPresent(service.provider))
    report(`provider: ${JSON.stringify(service.provider)}`, 'providers');
  checkBindMounts(service, report);
  checkNetworkMode(service.network_mode, report);
  checkNamespaces(service, report);
  for (const [key, allowance] of LIST_KEYS) {
    // An empty env_file or label_file still names a path to Compose.
    if (listOf(service[key]).length > 0 || service[key] === '')
      report(`${key}: ${JSON.stringify(service[key])}`, allowance);
  }
  if (isPresent(service.cgroup_parent)) {
    report(`cgroup_parent: ${String(service.cgroup_parent)}`, 'cgroup_parent');
  }
  // Below 0, the kernel's OOM killer would take host processes (the server, other runs) first.
  if (Number(service.oom_score_adj) < 0) {
    report(`oom_score_adj: ${String(service.oom_score_adj)}`, 'privileged');
  }
  if (isTrue(service.oom_kill_disable)) report('oom_kill_disable: true', 'privileged');
  // Linux ignores it today, but it names a file of the host.
  const credentialFile = asMapping(service.credential_spec).file;
  if (isSet(credentialFile))
    report(`credential_spec.file: ${String(credentialFile)}`, 'host_files');
  const driver = lowerText((service.logging as { driver?: unknown } | null | undefined)?.driver);
  if (!LOCAL_LOGGING_DRIVERS.has(driver)) report(`logging.driver: ${driver}`, 'logging_drivers');
  for (const hook of ['post_start', 'pre_stop']) {
    const privileged = listOf(service[hook]).some((entry) => isTrue(asMapping(entry).privileged));
    if (privileged) report(`${hook}: privileged: true`, 'privileged');
  }
  const blkio = asMapping(service.blkio_config);
  for (const key of BLKIO_DEVICE_KEYS) {
    // The engine looks up each device path on the host, so a file can test which paths exist.
    if (listOf(blkio[key]).length > 0) report(`blkio_config.${key}`, 'devices');
  }
  // An empty file name still names a path to Compose: its project folder.
  const extendsFile = (service.extends as { file?: unknown } | null | undefined)?.file;
  if (isSet(extendsFile)) report(`extends.file: ${String(extendsFile)}`, 'host_files');
  return found;
}

function checkBindMounts(service: Record<string, unknown>, report: Report): void {
  for (const mount of serviceMounts(service)) {
    if (mount.kind !== 'bind' || mount.source === undefined) continue;
    // Compose reads a single letter and a colon as a Windows drive, even for a volume's name,
    // so `v:/data` is one path with no target rather than the volume v at /data.
    const drive =
      mount.target === undefined && /^\p{L}:/u.test(mount.source)
        ? ' (Compose reads a one-letter name before ":" as a Windows drive; give the volume a longer name)'
        : '';
    for (const allowance of bindAllowances(mount.source))
      report(`volumes: ${mount.written}${drive}`, allowance);
  }
}

/**
 * Returns the allowances a bind of `source` needs. An engine socket itself needs docker_socket.
 * A folder that contains one, anything under /proc (whose `/proc/PID/root` folders show the whole
 * host), a relative path with ".." and a path from the home folder ("~") need both bind_mounts and docker_socket. Others need
 * bind_mounts.
 */
function bindAllowances(source: string): ComposeAllowance[] {
  const path = posix.normalize(source).replace(/(.)\/+$/, '$1');
  if (ENGINE_SOCKETS.includes(path) || /(docker|containerd)\.sock$/.test(path))
    return ['docker_socket'];
  const folder = path.endsWith('/') ? path : `${path}/`;
  const containsSocket = ENGINE_SOCKETS.some((socket) => socket.startsWith(folder));
  const underProc = path === '/proc' || path.startsWith('/proc/');
  // A relative path resolves against the run's project folder, which is not known here, so one
  // that climbs out of it with ".." may lead anywhere, the socket included. So may a path that
  // starts with "~", which Compose joins to the home folder before it cleans the path.
  const climbs = !path.startsWith('/') && path.split('/').includes('..');
  const fromHome = source.startsWith('~');
  return containsSocket || underProc || climbs || fromHome
    ? ['bind_mounts', 'docker_socket']
    : ['bind_mounts'];
}

function checkNetworkMode(value: unknown, report: Report): void {
  const mode = lowerText(value);
  if (mode === 'host') {
    report('network_mode: host', 'host_network');
  } else if (mode.startsWith('container:')) {
    report(`network_mode: ${mode}`, 'foreign_containers');
  } else if (!PLAIN_NETWORK_MODES.has(mode) && !mode.startsWith('service:')) {
    // Docker reads any other value as the name of an existing network.
    report(`network_mode: ${mode}`, 'external_networks');
  }
}

function checkNamespaces(service: Record<string, unknown>, report: Report): void {
  for (const [key, allowance] of HOST_NAMESPACES) {
    const mode = lowerText(service[key]);
    if (mode === 'host') report(`${key}: host`, allowance);
    if (mode.startsWith('container:')) report(`${key}: ${mode}`, 'foreign_containers');
  }
  for (const entry of listOf(service.volumes_from)) {
    const source = String(entry).trim();
    if (source.startsWith('container:')) report(`volumes_from: ${source}`, 'foreign_containers');
  }
}
