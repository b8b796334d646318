import { z } from 'zod';

/**
 * Sizes of start request fields at most. A run's request is stored with it and read back by
 * every status call, so no field may be much larger than any real use needs. Linux takes at most
 * 128 KiB per argument or variable of a process (MAX_ARG_STRLEN with 4 KiB pages).
 */
export const FIELD_LIMITS = {
  /** `file_name`: a name, as a file system takes it. */
  nameBytes: 255,
  /** `execution_type`: a word such as `cpu` or `gpu.a100`. */
  typeBytes: 64,
  /** `docker_run_cmd`, `args` and `docker_run_env`, each in all. */
  processBytes: 1024 * 1024,
  /** `requirements_content`. */
  requirementsBytes: 256 * 1024,
  /** `compose_file_code`. */
  composeFileBytes: 1024 * 1024,
} as const;

/** Returns a schema for a string of at most `maxBytes` bytes of UTF-8. */
export function boundedString(field: string, maxBytes: number) {
  return z.string().refine((text) => Buffer.byteLength(text) <= maxBytes, {
    message: `${field} is longer than ${maxBytes} bytes`,
  });
}

/** Returns a schema for a list of strings of at most `maxBytes` bytes of UTF-8 in all. */
export function boundedStringList(field: string, maxBytes: number) {
  return z
    .array(z.string())
    .refine(
      (items) => items.reduce((sum, item) => sum + Buffer.byteLength(item) + 1, 0) <= maxBytes,
      {
        message: `${field} is longer than ${maxBytes} bytes in all`,
      },
    );
}
