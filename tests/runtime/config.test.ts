import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvKeys } from '../../api/auth.js';
import { ConfigError, loadConfig } from '../../runtime/config.js';
import { findTemporalCli } from '../../runtime/temporal-cli.js';

describe('loadConfig', () => {
  it('applies the embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, TEMPORAL_PORT: 7233, TEMPORAL_UI_PORT: 8233, TEMPORAL_NAMESPACE: 'default', DATA_DIR: '.data', TEMPORAL_TLS: false });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('fails naming every bad variable', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', TEMPORAL_ADDRESS: 'no-port', DATABASE_URL: 'not a url', TEMPORAL_TLS: 'maybe' });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of ['PORT', 'TEMPORAL_ADDRESS', 'DATABASE_URL', 'TEMPORAL_TLS']) expect(message).toContain(name);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3000);
  });
});

describe('API_KEYS', () => {
  it('parses role:key pairs', () => {
    expect(parseEnvKeys('admin:0123456789abcdef,api_client:fedcba9876543210').map((k) => k.role)).toEqual(['admin', 'api_client']);
  });
  it.each(['admin', 'wizard:0123456789abcdef', 'admin:short'])('refuses %s', (value) => {
    expect(() => parseEnvKeys(value)).toThrow(/API_KEYS entry 1/);
  });
});

describe('findTemporalCli', () => {
  it('prefers TEMPORAL_CLI_PATH, then PATH, then the cache', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-cli-'));
    const fake = join(dir, 'temporal');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findTemporalCli({ TEMPORAL_CLI_PATH: fake, PATH: '' })).toBe(fake);
    expect(findTemporalCli({ PATH: dir })).toBe(fake);
    expect(() => findTemporalCli({ TEMPORAL_CLI_PATH: join(dir, 'missing') })).toThrow(/not an executable/);
  });
});
