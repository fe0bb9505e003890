/**
 * Why an encrypted file could not be used (docs/secrets.md#what-autostack-guarantees).
 * The message names the file, the line when there is one, and the reason,
 * never a value: a secret must not reach stdout, history or a notification.
 * @module
 */
import { AutostackError } from "../errors.ts";

/**
 * Whose fault it is: `key` (no key here, or not one the file was encrypted
 * for: a host problem, tried again next run) or `file` (malformed, or changed
 * after it was encrypted: the version is broken).
 */
export type SecretFault = "key" | "file";

/** An encrypted file that cannot be decrypted, with whose fault it is. */
export class SecretError extends AutostackError {
  /** The file, relative to the stack folder. */
  readonly file: string;
  /** Whose fault it is. */
  readonly fault: SecretFault;
  /** Why, without the file. */
  readonly reason: string;
  /** The 1-based line, when there is one. */
  readonly line?: number;

  /** Creates the error; the message reads `FILE[:LINE]: reason`. */
  constructor(fault: SecretFault, file: string, reason: string, line?: number) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${reason}`);
    this.file = file;
    this.fault = fault;
    this.reason = reason;
    if (line !== undefined) this.line = line;
  }
}
