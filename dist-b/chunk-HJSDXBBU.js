import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/api/names.ts
import { createHash } from "node:crypto";
var DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
var DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
var DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
var DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN}$`);
var QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
var QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME}$`);
var LABEL_VALUE_RE = new RegExp(`^(${QUALIFIED_NAME})?$`);
var PORT_NAME_CHARS_RE = /^[-a-z0-9]+$/;
function maxLen(n) {
  return `must be no more than ${n} characters`;
}
function dns1123LabelErrors(value) {
  const errs = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    );
  }
  return errs;
}
function dns1123SubdomainErrors(value) {
  const errs = [];
  if (value.length > 253) errs.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    );
  }
  return errs;
}
function qualifiedNameErrors(value) {
  const errs = [];
  const parts = value.split("/");
  let name;
  if (parts.length === 1) name = parts[0] ?? "";
  else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const m of dns1123SubdomainErrors(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length > 0 && !QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    );
  }
  return errs;
}
function labelValueErrors(value) {
  const errs = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    );
  }
  return errs;
}
function envVarNameErrors(value) {
  if (value.length === 0) return [];
  if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(value)) {
    return [
      "a valid environment variable name must consist only of printable ASCII characters other than '='"
    ];
  }
  return [];
}
function portNumErrors(port) {
  return port >= 1 && port <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];
}
function portNameErrors(name) {
  const errs = [];
  if (name.length > 15) errs.push(maxLen(15));
  if (!PORT_NAME_CHARS_RE.test(name))
    errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  else if (!/[a-z]/.test(name)) errs.push("must contain at least one letter (a-z)");
  else if (name.includes("--")) errs.push("must not contain consecutive hyphens");
  else if (name.startsWith("-") || name.endsWith("-")) errs.push("must not begin or end with a hyphen");
  return errs;
}
function templatePodName(workload, node) {
  const suffix = createHash("sha256").update(node).digest("hex").slice(0, 5);
  const base = workload.slice(0, 63 - 6).replace(/[-.]+$/, "");
  return `${base}-${suffix}`;
}

export {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  qualifiedNameErrors,
  labelValueErrors,
  envVarNameErrors,
  portNumErrors,
  portNameErrors,
  templatePodName
};
