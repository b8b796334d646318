import { Buffer } from 'node:buffer';
import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { URL } from 'node:url';

const ALGORITHM = 'AWS4-HMAC-SHA256';

/**
 * A small S3 client for load generation, with PutObject and GetObject only. It signs each request
 * with SigV4, with the payload's SHA-256 in the signature, and sends it over keep-alive
 * connections. It does much less work per call than the AWS SDK's middleware stack, so on a
 * machine with few cores its rates show more of the server's own cost.
 */
export class MinimalS3Client {
  constructor({ endpoint, region, accessKeyId, secretAccessKey, sessionToken, maxSockets = 16 }) {
    this.url = new URL(endpoint);
    this.region = region;
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
    this.sessionToken = sessionToken;
    this.agent = new Agent({ keepAlive: true, maxSockets });
    this.signingKeys = new Map();
  }

  /** Stores `body` (a Buffer) under `key`. */
  async putObject(bucket, key, body) {
    await this.send('PUT', bucket, key, body);
  }

  /** Returns the object's bytes. */
  getObject(bucket, key) {
    return this.send('GET', bucket, key, Buffer.alloc(0));
  }

  /** Closes the idle connections. */
  destroy() {
    this.agent.destroy();
  }

  send(method, bucket, key, body) {
    const path = `/${bucket}/${key.split('/').map(encodeSegment).join('/')}`;
    const headers = this.sign(method, path, body);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers,
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const content = Buffer.concat(chunks);
            if (response.statusCode >= 200 && response.statusCode < 300) {
              resolve(content);
              return;
            }
            reject(
              new Error(`${method} ${path} failed with HTTP ${response.statusCode}: ${content}`),
            );
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body.length > 0 ? body : undefined);
    });
  }

  /** Returns the request's headers with a SigV4 Authorization header. */
  sign(method, path, body) {
    const amzDate = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const payloadHash = createHash('sha256').update(body).digest('hex');
    const headers = {
      host: this.url.host,
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
    };
    if (this.sessionToken !== undefined) headers['x-amz-security-token'] = this.sessionToken;

    const names = Object.keys(headers).sort();
    const canonicalRequest = [
      method,
      path,
      '',
      ...names.map((name) => `${name}:${headers[name]}`),
      '',
      names.join(';'),
      payloadHash,
    ].join('\n');

    const scope = `${day}/${this.region}/s3/aws4_request`;
    const stringToSign = [
      ALGORITHM,
      amzDate,
      scope,
      createHash('sha256').update(canonicalRequest).digest('hex'),
    ].join('\n');
    const signature = createHmac('sha256', this.signingKey(day)).update(stringToSign).digest('hex');
    headers.authorization =
      `${ALGORITHM} Credential=${this.accessKeyId}/${scope}, ` +
      `SignedHeaders=${names.join(';')}, Signature=${signature}`;
    if (body.length > 0) headers['content-length'] = String(body.length);
    return headers;
  }

  signingKey(day) {
    let key = this.signingKeys.get(day);
    if (key === undefined) {
      const hmac = (secret, data) => createHmac('sha256', secret).update(data).digest();
      key = hmac(
        hmac(hmac(hmac(`AWS4${this.secretAccessKey}`, day), this.region), 's3'),
        'aws4_request',
      );
      this.signingKeys.set(day, key);
    }
    return key;
  }
}

/** Encodes one key segment as SigV4's canonical URI does for S3. */
function encodeSegment(segment) {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
