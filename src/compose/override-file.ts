import { Document } from 'yaml';

/** The additions the generated override file makes to every service. */
export interface OverrideOptions {
  services: readonly string[];
  /** Container labels, so the server finds the run's containers after a restart. */
  labels: Record<string, string>;
  /** The bucket folder on the host and where services see it; undefined for no mount. */
  bucket: { source: string; target: string } | undefined;
}

const HEADER = [
  ' Written by lyceum next to the Compose file of the run, which it leaves unchanged.',
  ' It labels every container, keeps Compose from pulling (the server applies the pull policy',
  ' before Compose starts), takes raw sockets (NET_RAW) from every service, and mounts the',
  ' bucket when the run asked for it, without the MKNOD capability.',
].join('\n');

/** Builds the text of the override file passed to Compose after the user's file. */
export function buildOverrideFile(options: OverrideOptions): string {
  const { bucket } = options;
  // Raw sockets could forge traffic on a network that services share. A device node made in the
  // bucket would be a device on the host, so services that mount it lose MKNOD too.
  const service = {
    labels: options.labels,
    pull_policy: 'never',
    cap_drop: bucket === undefined ? ['NET_RAW'] : ['NET_RAW', 'MKNOD'],
    ...(bucket === undefined
      ? {}
      : { volumes: [{ type: 'bind', source: bucket.source, target: bucket.target }] }),
  };
  // Each service gets its own copy rather than a YAML alias of the first.
  const document = new Document(
    { services: Object.fromEntries(options.services.map((name) => [name, service])) },
    { aliasDuplicateObjects: false },
  );
  document.commentBefore = HEADER;
  return document.toString();
}
