import { describe, expect, it } from 'vitest';
import {
  checkComposeFile,
  type ComposeFileRules,
} from '../../../src/compose/check-compose-file.js';
import type { ComposeAllowance } from '../../../src/compose/compose-allowances.js';
import { InvalidInputError } from '../../../src/errors/index.js';

const rules: ComposeFileRules = {
  mountPath: undefined,
  mainService: undefined,
  allowances: [],
  variables: { PATH: '/usr/bin', HOME: '/root' },
};

function check(text: string, overrides: Partial<ComposeFileRules> = {}) {
  return checkComposeFile(text, { ...rules, ...overrides });
}

/** Builds a file with one service `app` and indents `lines` under it. */
function withService(lines: string): string {
  const indented = lines
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `services:\n  app:\n    image: busybox\n${indented}\n`;
}

describe('checkComposeFile', () => {
  it('lists services with their images', () => {
    const text = 'services:\n  web:\n    image: nginx:1\n  worker:\n    image: "${IMG:-busybox}"\n';
    expect(check(text)).toEqual({
      services: [
        { name: 'web', image: 'nginx:1', tty: false, mountedImages: [] },
        { name: 'worker', image: 'busybox', tty: false, mountedImages: [] },
      ],
    });
  });

  it('follows extends for the image', () => {
    const text =
      'services:\n  base:\n    image: busybox\n  a:\n    extends: base\n  b:\n    extends:\n      service: a\n';
    expect(check(text).services.map((service) => service.image)).toEqual([
      'busybox',
      'busybox',
      'busybox',
    ]);
  });

  it('follows extends for tty', () => {
    const text =
      'services:\n  base:\n    image: a\n    tty: true\n  child:\n    extends: base\n  own:\n    extends: base\n    tty: false\n';
    expect(check(text).services.map((service) => service.tty)).toEqual([true, true, false]);
  });

  it('points bind mounts at the bucket mount', () => {
    const text = withService('volumes: ["./data:/data"]');
    expect(() => check(text)).toThrow('mount it with --enable-s3-mount');
    expect(() => check(withService('privileged: true'))).not.toThrow(/enable-s3-mount/);
  });

  it('lists images mounted as volumes', () => {
    const text = withService('volumes: [{type: image, source: "weights:1", target: /w}]');
    expect(check(text).services[0]?.mountedImages).toEqual(['weights:1']);
  });

  it('accepts logging drivers that stay on the host', () => {
    for (const driver of ['json-file', 'local', 'none']) {
      const text = withService(`logging: {driver: ${driver}, options: {max-size: 10m}}`);
      expect(() => check(text)).not.toThrow();
    }
  });

  it('accepts named volumes of the project', () => {
    const text =
      withService('volumes:\n  - data:/data\nvolumes_from:\n  - other') + 'volumes:\n  data: {}\n';
    expect(() => check(text)).not.toThrow();
  });

  describe('rejects malformed files', () => {
    it.each([
      ['services: [\n', /not valid YAML: line 2, column 1/],
      ['- a\n- b\n', /must be a mapping with a "services" key, got a list/],
      ['version: "3"\n', /has no services/],
      ['services: {}\n', /has no services/],
      ['services:\n  web: busybox\n', /Service "web" must be a mapping/],
      ['services:\n  "bad name":\n    image: a\n', /Service name "bad name" is invalid/],
      ['services:\n  web:\n    command: ls\n', /Service "web" has no image/],
      ['services:\n  web:\n    build: .\n', /Service "web" sets build/],
      ['services:\n  web:\n    extends: web\n', /Service "web" is missing or extends itself/],
      ['services:\n  web:\n    image: "a$"\n', /invalid variable reference at services.web.image/],
    ])('%j', (text, message) => {
      expect(() => check(text)).toThrow(InvalidInputError);
      expect(() => check(text)).toThrow(message);
    });
  });

  describe('host access', () => {
    const cases: [string, string, ComposeAllowance][] = [
      ['privileged: true', 'privileged: true', 'privileged'],
      ['privileged: "${P:-yes}"', 'privileged: yes', 'privileged'],
      ['volumes: ["/etc:/host-etc"]', 'volumes: /etc:/host-etc', 'bind_mounts'],
      ['volumes: ["./data:/data"]', 'volumes: ./data:/data', 'bind_mounts'],
      ['volumes: ["c:/etc:/hostetc"]', 'volumes: c:/etc:/hostetc', 'bind_mounts'],
      ['volumes: ["c:x/../..:/host"]', 'volumes: c:x/../..:/host', 'docker_socket'],
      ['volumes: ["${HOME}:/h"]', 'volumes: /root:/h', 'bind_mounts'],
      ['volumes: [{type: bind, source: /srv, target: /s}]', 'volumes: type: bind', 'bind_mounts'],
      [
        'volumes: ["/var/run/docker.sock:/var/run/docker.sock"]',
        'volumes: /var/run/docker.sock:/var/run/docker.sock',
        'docker_socket',
      ],
      ['volumes: ["/run:/r"]', 'volumes: /run:/r', 'docker_socket'],
      ['volumes: ["/run/docker.sock/:/s"]', 'volumes: /run/docker.sock/:/s', 'docker_socket'],
      ['volumes: ["/run/containerd:/c"]', 'volumes: /run/containerd:/c', 'docker_socket'],
      ['volumes: ["/proc/1/root:/h"]', 'volumes: /proc/1/root:/h', 'docker_socket'],
      ['volumes: ["../../run:/r"]', 'volumes: ../../run:/r', 'docker_socket'],
      ['volumes: ["~/../var/run:/r"]', 'volumes: ~/../var/run:/r', 'docker_socket'],
      ['volumes: ["~..:/r"]', 'volumes: ~..:/r', 'docker_socket'],
      ['oom_score_adj: -1000', 'oom_score_adj: -1000', 'privileged'],
      ['network_mode: bridge', 'network_mode: bridge', 'external_networks'],
      ['network_mode: default', 'network_mode: default', 'external_networks'],
      ['oom_kill_disable: true', 'oom_kill_disable: true', 'privileged'],
      [
        'credential_spec: {file: /tmp/spec.json}',
        'credential_spec.file: /tmp/spec.json',
        'host_files',
      ],
      [
        'volumes: ["v:/vol"]',
        'volumes: v:/vol (Compose reads a one-letter name before ":" as a Windows drive; give the volume a longer name)',
        'bind_mounts',
      ],
      [
        'external_links: ["other-run:db"]',
        'external_links: ["other-run:db"]',
        'foreign_containers',
      ],
      [
        'post_start: [{command: ["id"], privileged: true}]',
        'post_start: privileged: true',
        'privileged',
      ],
      [
        'blkio_config: {device_read_bps: [{path: /dev/sda, rate: 1mb}]}',
        'blkio_config.device_read_bps',
        'devices',
      ],
      ['extends: {file: "", service: x}', 'extends.file: ', 'host_files'],
      ['env_file: ""', 'env_file: ""', 'host_files'],
      [
        'logging: {driver: syslog, options: {syslog-address: "tcp://127.0.0.1:1"}}',
        'logging.driver: syslog',
        'logging_drivers',
      ],
      ['network_mode: host', 'network_mode: host', 'host_network'],
      ['network_mode: "${NET:-host}"', 'network_mode: host', 'host_network'],
      ['network_mode: "container:db1"', 'network_mode: container:db1', 'foreign_containers'],
      ['network_mode: other_net', 'network_mode: other_net', 'external_networks'],
      ['pid: host', 'pid: host', 'host_pid'],
      ['pid: "container:x"', 'pid: container:x', 'foreign_containers'],
      ['ipc: host', 'ipc: host', 'host_ipc'],
      ['uts: host', 'uts: host', 'host_uts'],
      ['userns_mode: host', 'userns_mode: host', 'host_userns'],
      ['cgroup: host', 'cgroup: host', 'host_cgroup'],
      ['cgroup_parent: /system', 'cgroup_parent: /system', 'cgroup_parent'],
      ['devices: ["/dev/fuse"]', 'devices: ["/dev/fuse"]', 'devices'],
      ['device_cgroup_rules: ["c 1:3 mr"]', 'device_cgroup_rules: ["c 1:3 mr"]', 'devices'],
      ['cap_add: [SYS_ADMIN]', 'cap_add: ["SYS_ADMIN"]', 'cap_add'],
      [
        'security_opt: ["seccomp:unconfined"]',
        'security_opt: ["seccomp:unconfined"]',
        'security_opt',
      ],
      ['volumes_from: ["container:db1"]', 'volumes_from: container:db1', 'foreign_containers'],
      ['env_file: .env', 'env_file: ".env"', 'host_files'],
      ['extends: {file: base.yml, service: x}', 'extends.file: base.yml', 'host_files'],
      ['use_api_socket: true', 'use_api_socket: true', 'docker_socket'],
      ['provider: {type: awesomecloud}', 'provider: {"type":"awesomecloud"}', 'providers'],
    ];

    it.each(cases)('rejects %j', (lines, setting, allowance) => {
      const text = withService(lines);
      expect(() => check(text)).toThrow(InvalidInputError);
      expect(() => check(text)).toThrow(`- service "app": ${setting} [${allowance}]`);
    });

    it.each(cases)('accepts %j when allowed', (lines, _setting, allowance) => {
      const extra = allowance === 'docker_socket' ? (['bind_mounts'] as const) : [];
      const text = withService(lines);
      expect(() => check(text, { allowances: [allowance, ...extra] })).not.toThrow(
        /reaches the host/,
      );
    });

    it.each([
      ['volumes:\n  v:\n    external: true\n', 'volumes.v: external: true [external_volumes]'],
      [
        'volumes:\n  v:\n    name: other_run_data\n',
        'volumes.v: name: other_run_data [external_volumes]',
      ],
      [
        'volumes:\n  v:\n    driver_opts: {o: bind, device: /etc}\n',
        'volumes.v: driver_opts [volume_drivers]',
      ],
      ['volumes:\n  v:\n    driver: nfs\n', 'volumes.v: driver: nfs [volume_drivers]'],
      ['networks:\n  n:\n    external: true\n', 'networks.n: external: true [external_networks]'],
      ['networks:\n  n:\n    name: bridge\n', 'networks.n: name: bridge [external_networks]'],
      ['networks:\n  n:\n    driver: macvlan\n', 'networks.n: driver: macvlan [network_drivers]'],
      [
        'networks:\n  n:\n    ipam: {config: [{subnet: 10.250.77.0/24}]}\n',
        'networks.n: ipam [network_drivers]',
      ],
      ['secrets:\n  s:\n    file: /etc/shadow\n', 'secrets.s: file: /etc/shadow [host_files]'],
      ['configs:\n  c:\n    file: ./c.conf\n', 'configs.c: file: ./c.conf [host_files]'],
      ['include:\n  - other.yml\n', 'include: include: ["other.yml"] [host_files]'],
      ['secrets:\n  s:\n    file: ""\n', 'secrets.s: file:  [host_files]'],
      ['configs:\n  c:\n    file: ""\n', 'configs.c: file:  [host_files]'],
      ['models:\n  m:\n    model: ai/smollm2\n', 'models: models [providers]'],
      [
        'networks:\n  n:\n    driver_opts: {com.docker.network.bridge.enable_icc: "true"}\n',
        'networks.n: driver_opts [network_drivers]',
      ],
      [
        'networks:\n  n:\n    driver_opts: {com.docker.network.bridge.enable_icc: false}\n',
        'networks.n: driver_opts [network_drivers]',
      ],
      [
        'networks:\n  n:\n    driver_opts: {com.docker.network.bridge.enable_icc: " false "}\n',
        'networks.n: driver_opts [network_drivers]',
      ],
      [
        'networks:\n  n:\n    driver_opts: {com.docker.network.bridge.enable_icc: "false", com.docker.network.bridge.name: eth0}\n',
        'networks.n: driver_opts [network_drivers]',
      ],
    ])('rejects top-level %j', (section, line) => {
      const text = withService('command: "true"') + section;
      expect(() => check(text)).toThrow(`- ${line}`);
    });

    it.each([
      'networks:\n  n:\n    driver_opts: {com.docker.network.bridge.enable_icc: "false"}\n',
      'networks:\n  n:\n    driver_opts: {com.docker.network.bridge.enable_icc: "FALSE", com.docker.network.bridge.enable_ip_masquerade: "False"}\n',
    ])('accepts network options that only turn traffic off: %j', (section) => {
      const text = withService('command: "true"') + section;
      expect(() => check(text)).not.toThrow();
    });

    it('lists every finding and how to allow it', () => {
      const text = withService('privileged: true\npid: host');
      expect(() => check(text)).toThrow(
        'The Compose file reaches the host, which this server does not allow:\n' +
          '- service "app": privileged: true [privileged]\n' +
          '- service "app": pid: host [host_pid]\n' +
          "Remove these settings, or ask the server's operator to list the keys in brackets in " +
          'LYCEUM_COMPOSE_ALLOW.',
      );
    });

    it.each([
      'privileged: false',
      'privileged: "no"',
      'network_mode: none',
      'network_mode: "service:app"',
      'ipc: shareable',
      'cap_drop: [ALL]',
      'cap_add: []',
      'tmpfs: /tmp',
    ])('accepts %j', (lines) => {
      expect(() => check(withService(lines))).not.toThrow();
    });
  });

  describe('with the bucket at a mount path', () => {
    it('rejects a service with a volume there', () => {
      const text =
        'services:\n  web:\n    image: a\n  db:\n    image: b\n    volumes: ["data:/mnt/s3"]\nvolumes:\n  data: {}\n';
      expect(() => check(text, { mountPath: '/mnt/s3' })).toThrow(InvalidInputError);
      expect(() => check(text, { mountPath: '/mnt/s3' })).toThrow(
        'Service "db" already has a volume at /mnt/s3, where the bucket would be mounted at /mnt/s3.',
      );
    });

    it('rejects a tmpfs at a custom path', () => {
      const text = withService('tmpfs: /data');
      expect(() => check(text, { mountPath: '/data' })).toThrow(
        /Service "app" already has a tmpfs at \/data/,
      );
    });

    it('accepts the same file without the mount', () => {
      const text = withService('volumes: ["/mnt/s3"]');
      expect(() => check(text)).not.toThrow();
    });
  });

  describe('main service', () => {
    const text = 'services:\n  web:\n    image: a\n  job:\n    image: b\n';

    it('accepts a service of the file', () => {
      expect(() => check(text, { mainService: 'job' })).not.toThrow();
    });

    it('rejects an unknown service', () => {
      expect(() => check(text, { mainService: 'jobs' })).toThrow(
        'The main service "jobs" is not in the Compose file; its services are web, job.',
      );
    });

    it('rejects a service with profiles', () => {
      const profiled = `${text}  debug:\n    image: c\n    profiles: [debug]\n`;
      expect(() => check(profiled, { mainService: 'debug' })).toThrow(/has profiles/);
    });
  });

  it('rejects a file whose services all have profiles', () => {
    const text = withService('profiles: [debug]');
    expect(() => check(text)).toThrow(/Every service of the Compose file has profiles/);
  });
});
