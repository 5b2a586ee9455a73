import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/lib/sleep.ts
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
function sleepUnlessAborted(ms, signal) {
  return sleep(ms, signal).then(
    () => true,
    () => false
  );
}

export {
  sleep,
  sleepUnlessAborted
};
