import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';

/** A username and password for one registry. */
export interface Credentials {
  username: string;
  password: string;
}

/** Looks up the credentials for a registry host (`host[:port]`, as in a reference's domain). */
export type CredentialLookup = (host: string) => Credentials | undefined;

/**
 * Where the Docker client config is: `$DOCKER_CONFIG/config.json`, else
 * `$HOME/.docker/config.json`; undefined when neither variable is set.
 */
export function dockerConfigPath(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  if (env.HOME) return join(env.HOME, '.docker', 'config.json');
  return undefined;
}

/** `https://host:5000/v1/` → `host:5000`; the legacy Hub key maps to `docker.io`. */
export function normalizeAuthKey(key: string): string {
  let h = key.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = h.indexOf('/');
  if (slash >= 0) h = h.slice(0, slash);
  h = h.toLowerCase();
  if (h === 'index.docker.io' || h === 'registry-1.docker.io') return 'docker.io';
  return h;
}

/**
 * Parses a Docker config document's `auths` section: `auths.<host>.auth` (base64 `user:pass`,
 * the password may contain `:`) or `username`/`password`. Entries with neither are skipped
 * (credential helpers are not run). Throws RuntimeError `InvalidArgument` naming the entry when
 * an `auth` value is not base64 `user:pass`.
 */
export function parseDockerConfig(doc: unknown, source = 'Docker config'): Map<string, Credentials> {
  const out = new Map<string, Credentials>();
  if (typeof doc !== 'object' || doc === null) {
    throw new RuntimeError('InvalidArgument', `Invalid ${source}: not a JSON object`);
  }
  const auths = (doc as { auths?: unknown }).auths;
  if (auths === undefined || auths === null) return out;
  if (typeof auths !== 'object')
    throw new RuntimeError('InvalidArgument', `Invalid ${source}: "auths" is not an object`);
  for (const [key, v] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null) continue;
    const e = v as { auth?: unknown; username?: unknown; password?: unknown };
    if (typeof e.auth === 'string' && e.auth !== '') {
      const text = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon <= 0) {
        throw new RuntimeError(
          'InvalidArgument',
          `Invalid ${source}: auths["${key}"].auth is not base64 of user:password`,
          {
            hint: 'write it as the output of: printf %s user:password | base64',
          },
        );
      }
      out.set(normalizeAuthKey(key), { username: text.slice(0, colon), password: text.slice(colon + 1) });
    } else if (typeof e.username === 'string' && typeof e.password === 'string') {
      out.set(normalizeAuthKey(key), { username: e.username, password: e.password });
    }
  }
  return out;
}

/**
 * Loads credentials from the Docker config file ({@link dockerConfigPath}). A missing file
 * means no credentials. Throws `InvalidArgument` for a file that is not valid JSON.
 */
export async function loadDockerCredentials(
  env: Readonly<Record<string, string | undefined>>,
): Promise<CredentialLookup> {
  const path = dockerConfigPath(env);
  if (!path) return () => undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return () => undefined;
    throw new RuntimeError('PermissionDenied', `Cannot read Docker config ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RuntimeError('InvalidArgument', `Invalid Docker config ${path}: not JSON`, { cause: e });
  }
  const map = parseDockerConfig(doc, `Docker config ${path}`);
  return (host) => map.get(normalizeAuthKey(host));
}
