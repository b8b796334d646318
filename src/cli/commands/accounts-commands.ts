import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors/index.js';
import { dataDirLayout, defaultDataDir } from '../../config/data-dir.js';
import type { CliContext } from '../cli-context.js';
import { printResult } from '../cli-context.js';

/** `lyceum accounts ...`: administration against the server's data directory, on its machine. */
export function registerAccountsCommands(program: Command, context: CliContext): void {
  const dataDirHelp = 'the server data directory (default ~/.lyceum/server, or LYCEUM_DATA_DIR)';
  const accounts = program
    .command('accounts')
    .description("Manage accounts and API keys (on the server's machine)")
    .option('--data-dir <path>', dataDirHelp);
  let selectedDataDir: string | undefined;
  // --data-dir is accepted before or after the subcommand.
  const withDataDir = (command: Command) =>
    command.option('--data-dir <path>', dataDirHelp).hook('preAction', (_, action) => {
      selectedDataDir = (action.optsWithGlobals() as { dataDir?: string }).dataDir;
    });

  // SQLite and the store load only for these commands, so other commands start faster.
  const open = async () => {
    const { openDatabase } = await import('../../db/database.js');
    const { AccountRegistry } = await import('../../accounts/account-registry.js');
    const dataDir = selectedDataDir ?? defaultDataDir(context.env);
    const layout = dataDirLayout(dataDir);
    if (!existsSync(layout.database)) {
      throw new InvalidInputError(
        `No lyceum server data directory at ${dataDir} (it has no lyceum.db); pass the server's ` +
          '--data-dir, or start the server once with that directory.',
      );
    }
    const db = openDatabase(layout.database);
    return { db, layout, registry: new AccountRegistry(db) };
  };

  withDataDir(accounts.command('create'))
    .description('Create an account with its own bucket and a first API key')
    .argument('<name>', 'account name: lowercase letters, digits and hyphens')
    .option('--json', 'print the account and key as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { db, layout, registry } = await open();
      try {
        const account = registry.create(name);
        const { DirectoryStore } = await import('../../storage/directory-store.js');
        const { MetadataIndex } = await import('../../storage/metadata-index.js');
        const store = new DirectoryStore({
          bucketsDir: layout.buckets,
          stagingDir: layout.staging,
          metadata: new MetadataIndex(db),
        });
        await store.init();
        await store.createBucket(account.bucketName);
        const key = registry.createKey(name, 'first');
        // The URL the server recorded on its last start; others may reach it at another address.
        const serverUrl =
          (await readFile(layout.localUrl, 'utf8').catch(() => '')).trim() || 'http://SERVER:8790';
        const result = {
          account: name,
          bucket_name: account.bucketName,
          key_id: key.id,
          api_key: key.key,
        };
        printResult(
          context,
          options.json,
          result,
          () =>
            `Created account ${name} with bucket ${account.bucketName}.\nIts API key (${key.id}) is shown only this once:\n\n    ${key.key}\n\n` +
            `Its owner logs in with:\n    lyceum auth login --api-key ${key.key} --url ${serverUrl}\n`,
        );
      } finally {
        db.close();
      }
    });

  withDataDir(accounts.command('list'))
    .description('List accounts')
    .option('--json', 'print the accounts as JSON')
    .action(async (options: { json?: boolean }) => {
      const { db, registry } = await open();
      try {
        const list = registry.list().map((account) => ({
          name: account.name,
          bucket_name: account.bucketName,
          created_at: account.createdAt,
          active_keys: registry.listKeys(account.name).filter((key) => key.revokedAt === null)
            .length,
        }));
        printResult(context, options.json, list, () =>
          [
            `${'NAME'.padEnd(20)} ${'BUCKET'.padEnd(28)} ${'KEYS'.padEnd(8)} CREATED`,
            ...list.map(
              (a) =>
                `${a.name.padEnd(20)} ${a.bucket_name.padEnd(28)} ${String(a.active_keys).padEnd(8)} ${a.created_at}`,
            ),
          ].join('\n'),
        );
      } finally {
        db.close();
      }
    });

  const keys = accounts.command('keys').description('Manage API keys');

  withDataDir(keys.command('create'))
    .description('Create another API key for an account')
    .argument('<name>', 'the account name')
    .option('--label <label>', 'a label to recognise the key by', 'cli')
    .option('--json', 'print the key as JSON')
    .action(async (name: string, options: { label: string; json?: boolean }) => {
      const { db, registry } = await open();
      try {
        const key = registry.createKey(name, options.label);
        printResult(
          context,
          options.json,
          { key_id: key.id, api_key: key.key, account: name },
          () =>
            `Created API key ${key.id} for ${name}; it is shown only this once:\n\n    ${key.key}\n`,
        );
      } finally {
        db.close();
      }
    });

  withDataDir(keys.command('list'))
    .description("List an account's API keys (ids only, never the keys)")
    .argument('<name>', 'the account name')
    .option('--json', 'print the keys as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { db, registry } = await open();
      try {
        const list = registry.listKeys(name).map((key) => ({
          key_id: key.id,
          name: key.name,
          created_at: key.createdAt,
          revoked_at: key.revokedAt,
        }));
        printResult(context, options.json, list, () =>
          [
            `${'KEY ID'.padEnd(20)}  ${'NAME'.padEnd(12)} ${'CREATED'.padEnd(24)}  STATE`,
            ...list.map(
              (key) =>
                `${key.key_id.padEnd(20)}  ${key.name.padEnd(12)} ${key.created_at.padEnd(24)}  ${key.revoked_at ? `revoked ${key.revoked_at}` : 'active'}`,
            ),
          ].join('\n'),
        );
      } finally {
        db.close();
      }
    });

  withDataDir(keys.command('revoke'))
    .description('Revoke an API key; it stops working at once')
    .argument('<key-id>', 'the key id, key_...')
    .action(async (keyId: string) => {
      const { db, registry } = await open();
      try {
        const key = registry.revokeKey(keyId);
        context.stdout.write(
          `Revoked API key ${key.id} (${key.name}) and the S3 credentials made with it.\n`,
        );
      } finally {
        db.close();
      }
    });
}
