import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';

/**
 * The state of a task's log writing, as the shim keeps it in `<dir>/log-status`: whether
 * writing the log fails now (disk full, quota, I/O error, file too large) and how much output
 * was dropped since the task started. The container runs on meanwhile; the shim retries with
 * each next batch of output and, once a write succeeds, logs a marker record on stderr
 * (`hostpod: N bytes (M records) of output were lost: <reason>`) before going on.
 */
export interface LogStatus {
  /** True while writes to the log fail (the latest batch of output was dropped). */
  failing: boolean;
  /** Bytes of the container's output dropped since the task started (all episodes). */
  droppedBytes: number;
  /** Log records (lines, or 16 KiB pieces of longer lines) dropped since the task started. */
  droppedRecords: number;
  /** Why the last failing write failed: the errno name, e.g. `ENOSPC`; absent if none ever failed. */
  error?: string;
  /** When the latest episode of failing writes began (RFC 3339, UTC); absent if none ever did. */
  since?: string;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The most the shim writes: a fixed-size line (192 bytes); anything longer is not its file. */
const MAX_STATUS = 4096;
const INTEGER = /^(0|[1-9]\d{0,15})$/;

/** Parses the status line; undefined when it is not one (a torn read, or another file). */
export function parseLogStatus(text: string): LogStatus | undefined {
  const fields = new Map<string, string>();
  for (const word of text.trim().split(/ +/)) {
    const eq = word.indexOf('=');
    if (eq <= 0) return undefined;
    fields.set(word.slice(0, eq), word.slice(eq + 1));
  }
  const failing = fields.get('failing');
  const bytes = fields.get('dropped_bytes');
  const records = fields.get('dropped_records');
  const errno = fields.get('errno') ?? '0';
  const since = fields.get('since') ?? '-';
  if (failing !== '0' && failing !== '1') return undefined;
  if (!bytes || !records || !INTEGER.test(bytes) || !INTEGER.test(records) || !INTEGER.test(errno))
    return undefined;
  if (since !== '-' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(since)) return undefined;
  const status: LogStatus = {
    failing: failing === '1',
    droppedBytes: Number(bytes),
    droppedRecords: Number(records),
  };
  const code = Number(errno);
  if (code !== 0) status.error = ERRNO_NAMES.get(code) ?? `errno ${code}`;
  if (since !== '-') status.since = since;
  return status;
}

/**
 * Reads `<taskDir>/log-status`. Undefined when there is none: a task without a log, one
 * started by a shim older than this file, or one whose disk was already full at start.
 * Throws `DataLoss` when the file is not what the shim writes.
 */
export async function readLogStatus(taskDir: string): Promise<LogStatus | undefined> {
  const path = join(taskDir, 'log-status');
  // The shim rewrites the line in place while we may read it: a torn read is read again.
  for (let attempt = 0; ; attempt++) {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw new RuntimeError(
        'Internal',
        `Cannot read the log status in ${taskDir}: ${errnoCode(err) ?? err}`,
        {
          cause: err,
        },
      );
    }
    const text = data.subarray(0, MAX_STATUS).toString('latin1');
    if (text.trim() === '') return undefined; // made, not yet written (disk full at start)
    const status = data.length <= MAX_STATUS ? parseLogStatus(text) : undefined;
    if (status) return status;
    if (attempt === 2) {
      throw new RuntimeError(
        'DataLoss',
        `Cannot read the log status in ${taskDir}: ${JSON.stringify(text.trim().slice(0, 80))} is not a status line`,
        { hint: 'The file is written by hostpod-shim only; remove it if something else wrote there.' },
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
