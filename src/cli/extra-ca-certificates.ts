import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../errors/index.js';

/**
 * Returns the certificate authorities for https requests when `bin/lyceum` moved
 * NODE_EXTRA_CA_CERTS to LYCEUM_EXTRA_CA_CERTS: Node's bundled ones and those of the file, as Node
 * trusts them with NODE_EXTRA_CA_CERTS. Returns undefined, for Node's defaults, when it did not.
 */
export async function extraCaCertificates(
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[] | undefined> {
  const file = env.LYCEUM_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return undefined;
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
  const { rootCertificates } = await import('node:tls');
  return [...rootCertificates, extra];
}
