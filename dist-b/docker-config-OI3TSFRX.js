import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  dockerConfigPath,
  loadDockerCredentials,
  normalizeAuthKey,
  parseDockerConfig
} from "./chunk-FU557YTR.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";
export {
  dockerConfigPath,
  loadDockerCredentials,
  normalizeAuthKey,
  parseDockerConfig
};
