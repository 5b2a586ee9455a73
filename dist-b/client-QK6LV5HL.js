import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RegistryClient
} from "./chunk-EF4ULP4B.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import {
  describeNetworkError,
  isTransientError
} from "./chunk-H6JRZREJ.js";
import "./chunk-4PE76O5T.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";
export {
  RegistryClient,
  describeNetworkError,
  isTransientError
};
