import { readFile } from 'node:fs/promises';
import type { SecureContext } from 'node:tls';
import { InvalidInputError } from '../errors/index.js';

let cached: { file: string; context: Promise<SecureContext> } | undefined;

/**
 * Returns the TLS context for https requests when `bin/lyceum` moved NODE_EXTRA_CA_CERTS to
 * LYCEUM_EXTRA_CA_CERTS: it trusts Node's bundled authorities and those of the file, as Node does
 * with NODE_EXTRA_CA_CERTS. Returns undefined, for Node's defaults, when it did not. The context is
 * made once per process, because making it costs about 1 ms of CPU.
 */
export function extraCaContext(
  env: NodeJS.ProcessEnv = process.env,
): Promise<SecureContext> | undefined {
  const file = env.LYCEUM_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return undefined;
  if (cached?.file !== file) cached = { file, context: loadContext(file) };
  return cached.context;
}

async function loadContext(file: string): Promise<SecureContext> {
  let extra: string;
  try {
    extra = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InvalidInputError(
      `Cannot read the CA certificates in NODE_EXTRA_CA_CERTS (${file}): ${reason}. ` +
        'Point it at a readable PEM file, or unset it.',
      { cause: error },
    );
  }
  // node:tls is loaded here, not at start-up, as node:https is.
  const { createSecureContext, rootCertificates } = await import('node:tls');
  return createSecureContext({ ca: [...rootCertificates, extra] });
}
