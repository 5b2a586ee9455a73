/**
 * The daemon's own log: one JSON object per line (pino's format: `level`, `time`, `pid`,
 * `hostname`, `msg`, plus the fields given), written synchronously so the last lines before a
 * crash are not lost in a buffer. Under systemd it lands in the journal (`journalctl -u hostpod`);
 * `docs/node-service.md` shows how to read it.
 */
import type { Writable } from 'node:stream';
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** pino's logger: `info(msg)`, `info({ field }, msg)`, `warn({ err }, msg)`, `child({ … })`. */
export type Logger = pino.Logger;

export interface DaemonLoggerOptions {
  /** Where lines go: the entry point passes `process.stderr`; default file descriptor 2. */
  stream?: Writable;
  /** Least severe level written; default `info`. */
  level?: LogLevel;
}

/**
 * A JSON-lines logger. `time` is RFC 3339 (ISO 8601, UTC) rather than pino's epoch
 * milliseconds: operators read these lines in the journal. An `err` field is serialized with its
 * message, stack and own fields (a `RuntimeError`'s `code` and `hint`).
 */
export function createDaemonLogger(options: DaemonLoggerOptions = {}): Logger {
  const destination = options.stream ?? pino.destination({ fd: 2, sync: true });
  return pino({ level: options.level ?? 'info', timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** The logger of one pod: every line carries `pod: "namespace/name"`. */
export function podLogger(logger: Logger, namespace: string, name: string): Logger {
  return logger.child({ pod: `${namespace}/${name}` });
}
