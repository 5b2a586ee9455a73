import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  decodeConfigMap,
  decodeSecret,
  decodeWorkload,
  findObjects,
  isWorkloadKind
} from "./chunk-V2FUKUIU.js";
import "./chunk-EZCFANLO.js";
import "./chunk-HJSDXBBU.js";
import "./chunk-7BOAENXZ.js";
export {
  decodeConfigMap,
  decodeSecret,
  decodeWorkload,
  findObjects,
  isWorkloadKind
};
