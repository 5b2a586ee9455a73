import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  parsePlatform
} from "./chunk-IAHJQBAJ.js";
import {
  daemonIfRunning,
  rootOption,
  socketFlag
} from "./chunk-IGGLMBAQ.js";
import {
  openImageStores,
  registryConfigDir,
  registryConfigDirOption,
  resolveStateRoot
} from "./chunk-6GZCWAFW.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import {
  err,
  out
} from "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import {
  parseReference
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/pull.ts
function registerPull(program, ctx) {
  program.command("pull").summary("pull an image from a registry").description(
    "Pull an image by tag or digest from an OCI registry into the content store (docs/images.md).\nCredentials come from $DOCKER_CONFIG/config.json or ~/.docker/config.json. Registries on\nloopback addresses are reached over plain HTTP, every other one over HTTPS unless named\nwith --insecure-registry. Short names are Docker Hub's (busybox is\ndocker.io/library/busybox:latest, served by registry-1.docker.io). Mirrors and\nper-registry TLS come from <registry>/hosts.toml under --registry-config-dir, as\ncontainerd reads them. An interrupted pull resumes where it stopped.\n\nExit codes: 0 pulled, 2 bad reference, flag or hosts.toml, 3 no such image, tag or\nplatform, 5 credentials refused or missing, 6 registry unreachable or failing, 7 the\nregistry sent bytes that do not match their digest."
  ).argument("<reference>", "image reference, e.g. 127.0.0.1:5000/tools/agent:1.2 or NAME@sha256:\u2026").option(
    "--platform <os/arch[/variant]>",
    "manifest to pull from a multi-platform image (default: this host)"
  ).option(
    "--insecure-registry <host>",
    "reach this registry over plain HTTP (repeatable)",
    (v, prev) => [...prev, v],
    []
  ).addOption(registryConfigDirOption()).option("--concurrency <n>", "layers downloaded at once", "3").option("-q, --quiet", "print only the manifest digest").addOption(rootOption()).addOption(socketFlag()).action(async (reference, flags) => {
    const ref = parseReference(reference);
    if (flags.platform === void 0 && flags.insecureRegistry.length === 0 && flags.registryConfigDir === void 0) {
      const daemon = await daemonIfRunning(flags, ctx);
      if (daemon) {
        if (!flags.quiet) err(ctx, `pulling ${reference} through the daemon`);
        const v = await daemon.pullImage(reference);
        out(
          ctx,
          flags.quiet ? v.manifestDigest : `${v.reference} ${v.manifestDigest} ${v.os}/${v.architecture}`
        );
        return;
      }
    }
    const platform = flags.platform !== void 0 ? parsePlatform(flags.platform) : void 0;
    const concurrency = Number.parseInt(flags.concurrency, 10);
    if (!(concurrency >= 1 && concurrency <= 32)) {
      throw new RuntimeError(
        "InvalidArgument",
        `Invalid --concurrency ${JSON.stringify(flags.concurrency)}: give 1 to 32`
      );
    }
    const { content, images } = openImageStores(resolveStateRoot(flags.root, ctx));
    const [
      { pullImage },
      { RegistryClient },
      { loadDockerCredentials },
      { barPullPrinter, formatPulled, plainPullPrinter }
    ] = await Promise.all([
      import("./pull-WGIUIX3Y.js"),
      import("./client-QK6LV5HL.js"),
      import("./docker-config-OI3TSFRX.js"),
      import("./pull-output-MNCZ3AHQ.js")
    ]);
    const credentials = await loadDockerCredentials(ctx.env);
    const configDir = await registryConfigDir(flags.registryConfigDir, ctx);
    let onEvent;
    let stopBars = () => {
    };
    if (!flags.quiet) {
      if (ctx.stderr.isTTY) {
        const bars = barPullPrinter(ctx.stderr);
        onEvent = bars.onEvent;
        stopBars = () => bars.stop();
      } else {
        onEvent = plainPullPrinter((l) => err(ctx, l));
      }
    }
    const client = new RegistryClient({
      insecureRegistries: flags.insecureRegistry,
      registryConfigDir: configDir,
      credentials,
      ...onEvent ? { onRetry: (i) => onEvent({ type: "retry", ...i }) } : {}
    });
    let result;
    try {
      result = await pullImage(ref, {
        content,
        images,
        client,
        concurrency,
        ...platform ? { platform } : {},
        ...onEvent ? { onEvent } : {}
      });
    } finally {
      stopBars();
      await client.close();
    }
    for (const w of result.warnings) err(ctx, `hostpod: warning: ${w}`);
    out(ctx, flags.quiet ? result.manifestDigest : formatPulled(result));
  });
}
export {
  registerPull
};
