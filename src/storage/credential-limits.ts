/** Lifetimes of temporary S3 credentials, in seconds: the bounds a request may ask for, and the default. */
export const MIN_CREDENTIAL_SECONDS = 900;
export const MAX_CREDENTIAL_SECONDS = 43_200;
export const DEFAULT_CREDENTIAL_SECONDS = 3600;
