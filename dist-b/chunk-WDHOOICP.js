import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/cli/io.ts
function out(ctx, line) {
  ctx.stdout.write(`${line}
`);
}
function err(ctx, line) {
  ctx.stderr.write(`${line}
`);
}

export {
  out,
  err
};
