/** An S3 error response: the standard code, the HTTP status and a message, rendered as S3 XML. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    readonly extra: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'S3Error';
  }
}

export const s3Errors = {
  accessDenied: (message = 'Access Denied') => new S3Error('AccessDenied', 403, message),
  invalidAccessKeyId: () =>
    new S3Error(
      'InvalidAccessKeyId',
      403,
      'The access key you provided does not exist in our records; get new credentials with "lyceum storage credentials".',
    ),
  signatureDoesNotMatch: (extra: Record<string, string> = {}) =>
    new S3Error(
      'SignatureDoesNotMatch',
      403,
      'The request signature we calculated does not match the signature you provided. Check your secret key and signing method.',
      extra,
    ),
  expiredToken: () =>
    new S3Error(
      'ExpiredToken',
      400,
      'The provided token has expired; get new credentials with "lyceum storage credentials".',
    ),
  invalidToken: () =>
    new S3Error('InvalidToken', 400, 'The provided token is malformed or otherwise invalid.'),
  requestTimeTooSkewed: (requestTime: string, serverTime: string) =>
    new S3Error(
      'RequestTimeTooSkewed',
      403,
      'The difference between the request time and the server time is too large (over 15 minutes); fix the client clock.',
      { RequestTime: requestTime, ServerTime: serverTime, MaxAllowedSkewMilliseconds: '900000' },
    ),
  noSuchBucket: (bucket: string) =>
    new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist.', {
      BucketName: bucket,
    }),
  noSuchKey: (key: string) =>
    new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new S3Error(
      'NoSuchUpload',
      404,
      'The specified multipart upload does not exist. It may have been aborted, completed or expired.',
      { UploadId: uploadId },
    ),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error(
      'InvalidArgument',
      400,
      message,
      name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' },
    ),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', 400, message),
  invalidUri: () =>
    new S3Error(
      'InvalidURI',
      400,
      "Couldn't parse the specified URI: a % in the path starts no valid escape; write % as %25.",
    ),
  invalidRange: (size: number) =>
    new S3Error('InvalidRange', 416, 'The requested range is not satisfiable.', {
      ActualObjectSize: String(size),
    }),
  invalidPart: (
    message = 'One or more of the specified parts could not be found, or its ETag does not match.',
  ) => new S3Error('InvalidPart', 400, message),
  invalidPartOrder: () =>
    new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order.'),
  entityTooSmall: () =>
    new S3Error(
      'EntityTooSmall',
      400,
      'Your proposed upload is smaller than the minimum allowed object size: every part but the last must be at least 5 MiB.',
    ),
  entityTooLarge: () =>
    new S3Error(
      'EntityTooLarge',
      400,
      'Your proposed upload exceeds the maximum allowed object size.',
    ),
  malformedXml: () =>
    new S3Error(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema.',
    ),
  badDigest: (header: string) =>
    new S3Error('BadDigest', 400, `The ${header} you specified did not match what we received.`),
  invalidDigest: (header: string) =>
    new S3Error('InvalidDigest', 400, `The ${header} you specified is not valid.`),
  incompleteBody: () =>
    new S3Error(
      'IncompleteBody',
      400,
      'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    ),
  preconditionFailed: () =>
    new S3Error(
      'PreconditionFailed',
      412,
      'At least one of the preconditions you specified did not hold.',
    ),
  notImplemented: (what: string) =>
    new S3Error('NotImplemented', 501, `${what} is not implemented by this server.`),
  methodNotAllowed: () =>
    new S3Error(
      'MethodNotAllowed',
      405,
      'The specified method is not allowed against this resource.',
    ),
  missingSecurityHeader: () =>
    new S3Error(
      'MissingSecurityHeader',
      400,
      'Your request is missing a required header: x-amz-security-token.',
    ),
  keyTooLong: () => new S3Error('KeyTooLongError', 400, 'Your key is too long.'),
  internalError: () =>
    new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.'),
};
