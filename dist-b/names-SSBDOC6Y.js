import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  envVarNameErrors,
  labelValueErrors,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors,
  templatePodName
} from "./chunk-HJSDXBBU.js";
import "./chunk-7BOAENXZ.js";
export {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  envVarNameErrors,
  labelValueErrors,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors,
  templatePodName
};
