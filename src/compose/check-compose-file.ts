import { InvalidInputError } from '../errors/index.js';
import type { ComposeAllowance } from './compose-allowances.js';
import { parseComposeYaml } from './compose-yaml.js';
import { isMapping, isPresent, isTrue } from './compose-values.js';
import { interpolateComposeFile, type ComposeVariables } from './interpolate.js';
import { findMountConflicts } from './mount-conflicts.js';
import { findProjectHostAccess } from './project-host-access.js';
import { serviceMounts } from './service-mounts.js';
import { findServiceHostAccess } from './service-host-access.js';

/** The rules a Compose file is checked against. */
export interface ComposeFileRules {
  /** The bucket's mount path in every service; undefined when the run mounts nothing. */
  mountPath: string | undefined;
  mainService: string | undefined;
  /** Kinds of host access the operator allows. */
  allowances: readonly ComposeAllowance[];
  /** The variables of the `docker compose` process, which replace `${VAR}` references. */
  variables: ComposeVariables;
}

export interface ComposeService {
  name: string;
  /** The image after variables are replaced; undefined when it comes from another file. */
  image: string | undefined;
  /** True when the service runs with a TTY, so its output is one raw stream. */
  tty: boolean;
  /**
   * Images mounted as volumes (`type: image`). Compose has the engine pull them whatever its
   * pull option is, so the server applies the run's pull policy to them first.
   */
  mountedImages: string[];
}

/** A Compose file that passed the checks. The run uses its text unchanged. */
export interface CheckedComposeFile {
  services: ComposeService[];
}

type Services = Record<string, Record<string, unknown>>;

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const FIX_HOST_ACCESS =
  "Remove these settings, or ask the server's operator to list the keys in brackets in " +
  'LYCEUM_COMPOSE_ALLOW.';

/**
 * Checks a Compose file before anything starts. It must be valid YAML with at least one service
 * and an image for each. It may reach the host only as far as the operator allows, and no
 * service may mount anything of its own at the bucket's mount path. The main service, when
 * given, must be one of its services. Throws InvalidInputError with every problem of the first
 * failed check.
 */
export function checkComposeFile(text: string, rules: ComposeFileRules): CheckedComposeFile {
  const file = interpolateComposeFile(parseComposeYaml(text), rules.variables);
  const services = readServices(file);
  const images = Object.keys(services).map((name) => ({
    name,
    image: imageOf(services, name),
    tty: isTrue(inheritedValue(services, name, 'tty')),
    mountedImages: serviceMounts(services[name]!)
      .filter((mount) => mount.kind === 'image' && mount.source !== undefined)
      .map((mount) => mount.source!),
  }));
  rejectHostAccess(file as Record<string, unknown>, services, rules.allowances);
  if (rules.mountPath !== undefined) rejectMountConflicts(services, rules.mountPath);
  checkServicesStart(services, rules.mainService);
  return { services: images };
}

function readServices(file: unknown): Services {
  if (!isMapping(file)) {
    throw new InvalidInputError(
      `The Compose file must be a mapping with a "services" key, got ${describeValue(file)}.`,
    );
  }
  if (!isMapping(file.services) || Object.keys(file.services).length === 0) {
    throw new InvalidInputError(
      'The Compose file has no services; define at least one under "services:".',
    );
  }
  for (const [name, service] of Object.entries(file.services)) {
    if (!SERVICE_NAME.test(name)) {
      throw new InvalidInputError(
        `Service name ${JSON.stringify(name)} is invalid; use letters, digits, "_", "." and "-", ` +
          'starting with a letter or digit.',
      );
    }
    if (!isMapping(service)) {
      throw new InvalidInputError(
        `Service ${JSON.stringify(name)} must be a mapping of keys such as image and command, ` +
          `got ${describeValue(service)}.`,
      );
    }
  }
  return file.services as Services;
}

/** Returns a service's image, following `extends` within the file. */
function imageOf(services: Services, name: string, seen = new Set<string>()): string | undefined {
  const service = services[name];
  const quoted = JSON.stringify(name);
  if (service === undefined || seen.has(name)) {
    throw new InvalidInputError(`Service ${quoted} is missing or extends itself.`);
  }
  seen.add(name);
  if (isPresent(service.build)) {
    throw new InvalidInputError(
      `Service ${quoted} sets build, which needs a build context on the server, and the server ` +
        'has only the Compose file; build the image first and name it with image.',
    );
  }
  if (typeof service.image === 'string' && service.image.trim() !== '') return service.image;
  const base = service.extends;
  if (typeof base === 'string') return imageOf(services, base, seen);
  if (isMapping(base) && typeof base.service === 'string') {
    return isPresent(base.file) ? undefined : imageOf(services, base.service, seen);
  }
  throw new InvalidInputError(
    `Service ${quoted} has no image; name one with image, for example image: python:3.12-slim.`,
  );
}

/** Returns a key of a service, or of the service it extends within the file when it has none. */
function inheritedValue(services: Services, name: string, key: string): unknown {
  const seen = new Set<string>();
  for (let service = services[name]; service !== undefined;) {
    if (service[key] !== undefined) return service[key];
    if (isMapping(service.extends) && isPresent(service.extends.file)) return undefined;
    const base = isMapping(service.extends) ? service.extends.service : service.extends;
    if (typeof base !== 'string' || seen.has(base)) return undefined;
    seen.add(base);
    service = services[base];
  }
  return undefined;
}

function rejectHostAccess(
  file: Record<string, unknown>,
  services: Services,
  allowances: readonly ComposeAllowance[],
): void {
  const found = [
    ...Object.entries(services).flatMap(([name, service]) => findServiceHostAccess(name, service)),
    ...findProjectHostAccess(file),
  ].filter((access) => !allowances.includes(access.allowance));
  if (found.length === 0) return;
  const lines = found.map((access) => `- ${access.where}: ${access.setting} [${access.allowance}]`);
  // A bind mount of data is most often meant to reach files that belong in the bucket.
  const bucketHint = found.some((access) => access.allowance === 'bind_mounts')
    ? ' To give services your files, store them in the bucket and mount it with ' +
      '--enable-s3-mount (enable_s3_mount: true) instead of a host folder.'
    : '';
  throw new InvalidInputError(
    `The Compose file reaches the host, which this server does not allow:\n${lines.join('\n')}\n` +
      FIX_HOST_ACCESS +
      bucketHint,
  );
}

function rejectMountConflicts(services: Services, mountPath: string): void {
  const conflicts = findMountConflicts(services, mountPath);
  if (conflicts.length === 0) return;
  const lines = conflicts.map(
    ({ service, kind, target }) =>
      `Service ${JSON.stringify(service)} already has a ${kind} at ${target}, where the bucket ` +
      `would be mounted at ${mountPath}.`,
  );
  throw new InvalidInputError(
    `${lines.join('\n')}\nMove that mount, or mount the bucket elsewhere with --s3-mount-path ` +
      '(API s3_mount_path).',
  );
}

/** Checks that some service starts without a profile, and that the main service exists and starts. */
function checkServicesStart(services: Services, mainService: string | undefined): void {
  const names = Object.keys(services);
  const hasProfiles = (name: string) => isPresent(services[name]?.profiles);
  if (names.every(hasProfiles)) {
    throw new InvalidInputError(
      'Every service of the Compose file has profiles, so none would start; ' +
        'remove profiles from the services the run needs.',
    );
  }
  if (mainService === undefined) return;
  if (!names.includes(mainService)) {
    throw new InvalidInputError(
      `The main service ${JSON.stringify(mainService)} is not in the Compose file; ` +
        `its services are ${names.join(', ')}.`,
    );
  }
  if (hasProfiles(mainService)) {
    throw new InvalidInputError(
      `The main service ${JSON.stringify(mainService)} has profiles, so it would not start; ` +
        'remove them or choose another main service.',
    );
  }
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'nothing';
  return `${typeof value} ${JSON.stringify(value)}`;
}
