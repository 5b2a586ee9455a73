import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatImported,
  imageGroup,
  openStores,
  registerImageImport,
  stateRoot
} from "./chunk-TXVVE4WC.js";
import "./chunk-4WSVR33Z.js";
import "./chunk-6VMJICQW.js";
import "./chunk-IAHJQBAJ.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import "./chunk-WDHOOICP.js";
import "./chunk-EY5AGAN5.js";
import "./chunk-4PE76O5T.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";
export {
  formatImported,
  imageGroup,
  openStores,
  registerImageImport,
  stateRoot
};
