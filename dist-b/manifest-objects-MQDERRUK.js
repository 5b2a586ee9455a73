import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  fieldErrorLine,
  loadObjects,
  readManifestObjects,
  resourceOf
} from "./chunk-26WOM5FZ.js";
import "./chunk-GXFOKUN3.js";
import "./chunk-TUMEQKHW.js";
import "./chunk-WDHOOICP.js";
import "./chunk-V2FUKUIU.js";
import "./chunk-EZCFANLO.js";
import "./chunk-HJSDXBBU.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";
export {
  fieldErrorLine,
  loadObjects,
  readManifestObjects,
  resourceOf
};
