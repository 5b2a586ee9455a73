import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatGc,
  registerRmi
} from "./chunk-67753SCD.js";
import "./chunk-QATSEMPG.js";
import "./chunk-QSRDS6KI.js";
import "./chunk-4WSVR33Z.js";
import "./chunk-6VMJICQW.js";
import "./chunk-IGGLMBAQ.js";
import "./chunk-6GZCWAFW.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import "./chunk-Q3JZVMAS.js";
import "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import "./chunk-4PE76O5T.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";
export {
  formatGc,
  registerRmi
};
