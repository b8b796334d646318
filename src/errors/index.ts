export {
  LyceumError,
  InvalidInputError,
  UnprocessableInputError,
  UnauthorizedError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  InsufficientStorageError,
  RangeNotSatisfiableError,
  SystemFailureError,
  EngineUnavailableError,
  CommandNotRunnableError,
} from './lyceum-error.js';
