/**
 * The API server's defaults for the fields hostpod reads (pkg/apis/core/v1/defaults.go).
 */

export const DEFAULT_RESTART_POLICY = 'Always';
export const DEFAULT_DNS_POLICY = 'ClusterFirst';
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
export const DEFAULT_TERMINATION_MESSAGE_POLICY = 'File';
export const DEFAULT_PROTOCOL = 'TCP';
/** 0644, the default mode of configMap, secret, downwardAPI and projected volume files. */
export const DEFAULT_VOLUME_MODE = 0o644;
export const DEFAULT_PROBE = {
  initialDelaySeconds: 0,
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
} as const;
export const DEFAULT_SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 3600;

/**
 * `Always` when the image has no tag or the tag `latest` (and no digest), else `IfNotPresent` —
 * the API server's rule for an unset imagePullPolicy.
 */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}
