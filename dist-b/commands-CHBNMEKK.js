import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  COMMANDS,
  loadCommands
} from "./chunk-XR4JUFQJ.js";
import "./chunk-7BOAENXZ.js";
export {
  COMMANDS,
  loadCommands
};
