import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  ERROR_CODES,
  RuntimeError,
  describeError,
  errnoCode,
  isRuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";
export {
  ERROR_CODES,
  RuntimeError,
  describeError,
  errnoCode,
  isRuntimeError
};
