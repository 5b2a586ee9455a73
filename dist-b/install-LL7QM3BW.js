import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  out
} from "./chunk-WDHOOICP.js";
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/containerd/install.ts
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
var RUNTIME_HANDLER = "hostprocess";
var RUNTIME_TYPE = "io.containerd.hostpod.v1";
function containerdDropIn(options = {}) {
  if (options.shimPath !== void 0 && !options.shimPath.startsWith("/"))
    throw new RuntimeError("InvalidArgument", `--shim-path "${options.shimPath}" is not an absolute path`);
  return `# hostpod: HostProcess containers for pods with runtimeClassName: ${RUNTIME_HANDLER}
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${RUNTIME_HANDLER}]
  runtime_type = "${RUNTIME_TYPE}"
${options.shimPath ? `  runtime_path = "${options.shimPath}"
` : ""}  pod_annotations = ["hostpod.io/*", "microsoft.com/hostprocess-*"]
`;
}
function runtimeClassManifest() {
  return `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: ${RUNTIME_HANDLER}
handler: ${RUNTIME_HANDLER}
`;
}
async function writeInstall(dir, options = {}) {
  const files = [
    [join(dir, "hostpod.toml"), containerdDropIn(options)],
    [join(dir, "hostpod-runtimeclass.yaml"), runtimeClassManifest()]
  ];
  try {
    await mkdir(dir, { recursive: true });
    for (const [path, text] of files) await writeFile(path, text, { mode: 420 });
  } catch (err) {
    const code = errnoCode(err);
    throw new RuntimeError(
      code === "EACCES" || code === "EPERM" ? "PermissionDenied" : "FailedPrecondition",
      `Cannot write to ${dir}: ${code ?? String(err)}`,
      {
        hint: "run as root, or print the files with `hostpod install containerd-runtime` and place them yourself"
      }
    );
  }
  return files.map(([p]) => p);
}

// src/cli/commands/install.ts
function registerInstall(program, ctx) {
  const install = program.command("install").description("set hostpod up as part of a node");
  install.command("containerd-runtime").description(
    'print (or write with --write DIR) the containerd config drop-in registering hostpod as the "hostprocess" runtime, and the RuntimeClass manifest'
  ).option(
    "--write <dir>",
    "write hostpod.toml and hostpod-runtimeclass.yaml into DIR (e.g. /etc/containerd/conf.d)"
  ).option(
    "--shim-path <path>",
    "absolute path of containerd-shim-hostpod-v1 when it is not on containerd's PATH"
  ).action(async (flags) => {
    const options = flags.shimPath === void 0 ? {} : { shimPath: flags.shimPath };
    if (flags.write !== void 0) {
      if (flags.write === "") throw new RuntimeError("InvalidArgument", "--write needs a directory");
      for (const p of await writeInstall(flags.write, options)) out(ctx, `wrote ${p}`);
      out(
        ctx,
        `containerd reads the drop-in when its config has: imports = ["${flags.write}/*.toml"]; then restart containerd and kubectl apply -f ${flags.write}/hostpod-runtimeclass.yaml`
      );
      return;
    }
    ctx.stdout.write(
      `${containerdDropIn(options)}---
# kubectl apply -f - with:
${runtimeClassManifest()}`
    );
  });
}
export {
  registerInstall
};
