import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  buildProgram,
  runCli
} from "./chunk-BVOMBKK5.js";
import "./chunk-XR4JUFQJ.js";
import "./chunk-2FNJJ65N.js";
import "./chunk-Q3JZVMAS.js";
import "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";
export {
  buildProgram,
  runCli
};
