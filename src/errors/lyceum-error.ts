/**
 * Base class of every failure a user can act on. Each subclass fixes the HTTP status the API responds
 * with and the exit code the CLI ends with, so both front doors map errors in one place.
 */
export class LyceumError extends Error {
  readonly httpStatus: number = 500;
  readonly exitCode: number = 1;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request or command line that is malformed: a bad key, a bad mount path, a value out of range. */
export class InvalidInputError extends LyceumError {
  override readonly httpStatus: number = 400;
  override readonly exitCode = 2;
}

/** A request body that parses but does not validate (a missing field, a value out of range). */
export class UnprocessableInputError extends InvalidInputError {
  override readonly httpStatus = 422;
}

/** No API key, or one that is unknown or revoked. */
export class UnauthorizedError extends LyceumError {
  override readonly httpStatus = 401;
}

/** An object, run or account that does not exist for the caller. */
export class NotFoundError extends LyceumError {
  override readonly httpStatus = 404;
}

/** A write that would break the store's shape, such as turning a file into a folder. */
export class ConflictError extends LyceumError {
  override readonly httpStatus = 409;
  override readonly exitCode = 2;
}

/** A body larger than the server accepts. */
export class PayloadTooLargeError extends LyceumError {
  override readonly httpStatus = 413;
}

/** The data directory's disk is full. */
export class InsufficientStorageError extends LyceumError {
  override readonly httpStatus = 507;
}

/** An object's file shrank while it was read, such as a file a run was rewriting; a retry may succeed. */
/** The caller has reached its limit of a resource, such as open run streams. */
export class TooManyRequestsError extends LyceumError {
  override readonly httpStatus = 429;
}

export class ObjectChangedError extends LyceumError {
  override readonly httpStatus = 503;
}

/** A run's timeout passed before the run had started, such as while Compose waited on a dependency. */
export class RunTimedOutError extends LyceumError {
  override readonly httpStatus = 504;
}

/** A conditional write found the object other than the condition requires. */
export class PreconditionFailedError extends LyceumError {
  override readonly httpStatus = 412;
}

/** The range in a Range header lies outside the object. */
export class RangeNotSatisfiableError extends LyceumError {
  override readonly httpStatus = 416;
}

/** A run could not start on our side: the engine is down, the image is missing, the mount failed. */
export class SystemFailureError extends LyceumError {
  override readonly httpStatus: number = 503;
  override readonly exitCode = 125;
}

/** The Docker engine cannot be reached. */
export class EngineUnavailableError extends SystemFailureError {}

/** Compose rejected the run's file, which passed lyceum's own checks; the run ends as `failed`. */
export class ComposeFileRejectedError extends LyceumError {
  override readonly httpStatus = 422;
}

/**
 * A Compose project could not start because of its own file: a service that others
 * depend on exited with an error or never became healthy, or a published port is taken. The run
 * ends as `failed`, with the failed service's exit code when Compose reports one, else 1.
 */
export class ComposeStartFailedError extends LyceumError {
  override readonly httpStatus = 422;

  constructor(
    message: string,
    readonly returnCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The user's process could not be started inside its container: the command does not exist or is
 * not executable. The run ends as `failed` with the exit code the docker CLI uses for the same case.
 */
export class CommandNotRunnableError extends LyceumError {
  override readonly httpStatus = 400;

  constructor(
    message: string,
    readonly returnCode: 126 | 127,
    options?: ErrorOptions,
  ) {
    super(message, options);
    (this as { exitCode: number }).exitCode = returnCode;
  }
}
