import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildOverrideFile } from '../../../src/compose/override-file.js';

const labels = { 'dev.lyceum.run-id': 'run_1', 'dev.lyceum.kind': 'compose' };

describe('buildOverrideFile', () => {
  it('labels every service and turns pulls off', () => {
    const text = buildOverrideFile({ services: ['web', 'db'], labels, bucket: undefined });
    expect(parse(text)).toEqual({
      services: {
        web: { labels, pull_policy: 'never', cap_drop: ['NET_RAW'] },
        db: { labels, pull_policy: 'never', cap_drop: ['NET_RAW'] },
      },
    });
  });

  it('binds the bucket in every service', () => {
    const bucket = { source: '/srv/lyceum data/buckets/b', target: '/mnt/my data' };
    const text = buildOverrideFile({ services: ['web', 'db'], labels, bucket });
    const volumes = [{ type: 'bind', source: bucket.source, target: bucket.target }];
    expect(parse(text)).toEqual({
      services: {
        web: { labels, pull_policy: 'never', volumes, cap_drop: ['NET_RAW', 'MKNOD'] },
        db: { labels, pull_policy: 'never', volumes, cap_drop: ['NET_RAW', 'MKNOD'] },
      },
    });
  });

  it('writes no YAML aliases', () => {
    const text = buildOverrideFile({ services: ['a', 'b'], labels, bucket: undefined });
    expect(text).not.toMatch(/[&*]a\d/);
  });

  it('starts with a comment', () => {
    const text = buildOverrideFile({ services: ['a'], labels, bucket: undefined });
    expect(text.startsWith('# Written by lyceum')).toBe(true);
  });
});
