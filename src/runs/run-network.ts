/**
 * The network of Docker and Python runs. It is a bridge without inter-container traffic, so a
 * service that one run listens with is closed to every other run, of any account, while the host
 * still reaches it and it still reaches the host's S3 endpoint. Compose runs get a network per
 * project from Compose instead.
 */
export const RUN_NETWORK = 'lyceum-runs';
