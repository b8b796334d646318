import type { AccountRegistry } from '../accounts/account-registry.js';
import type { ServerConfig } from '../config/server-config.js';
import type { RunManager } from '../runs/run-manager.js';
import type { CredentialStore } from '../storage/credential-store.js';
import type { ObjectStore } from '../storage/object-store.js';

/** Services of the server that the HTTP layer uses. */
export interface AppContext {
  config: ServerConfig;
  accounts: AccountRegistry;
  store: ObjectStore;
  runs: RunManager;
  credentials: CredentialStore;
  /** Where S3 clients reach the endpoint: from this machine, and from inside containers. */
  s3Endpoint: { url: string; gatewayUrl: string | undefined };
  /** The base URL clients reach the API at, known once the server listens. */
  publicUrl(): string;
}
