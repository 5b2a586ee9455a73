import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  imageCommandGroup,
  openImageStores,
  resolveStateRoot
} from "./chunk-6GZCWAFW.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import {
  err
} from "./chunk-WDHOOICP.js";
import {
  Option
} from "./chunk-QNVZHYAH.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import "./chunk-4PE76O5T.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/image-save.ts
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { finished } from "node:stream/promises";
function registerImageSave(program, ctx) {
  imageCommandGroup(program).command("save").summary("write images to an OCI archive or a docker save archive").description(
    "Write one or more images (names, ids or digests, as `hostpod images` shows them) into one\ntar archive, as `podman save` and `ctr export` write them: --format oci-archive (an OCI\nimage layout; each name in index.json) or docker-archive (manifest.json, the config,\nuncompressed layer tars; what `docker load` reads). Both load with podman load, skopeo,\nctr import and hostpod image import. The archive goes to -o FILE (written whole, then\nrenamed into place) or to stdout, never to a terminal. docs/images.md.\n\nExit codes: 0 saved, 2 no image named, bad format, stdout is a terminal, 3 no such\nimage, 7 a stored layer does not match its diffID."
  ).argument("<image...>", "images to save").option("-o, --output <file>", "write the archive to FILE (default: stdout)").addOption(
    new Option("--format <format>", "archive format").choices(["oci-archive", "docker-archive"]).default("docker-archive")
  ).option("-q, --quiet", "print nothing on stderr").option("--root <dir>", "state root (default $HOSTPOD_ROOT or /var/lib/hostpod)").action(async (names, flags) => {
    if (flags.output === void 0 && ctx.stdout.isTTY) {
      throw new RuntimeError("InvalidArgument", "Refusing to write an image archive to a terminal", {
        hint: "give -o FILE, or redirect stdout: hostpod image save IMAGE > image.tar"
      });
    }
    const root = resolveStateRoot(flags.root, ctx);
    const { content, images } = openImageStores(root);
    const { saveImages } = await import("./save-OQ64SG6W.js");
    const opts = { content, images, format: flags.format, tmpDir: join(root, "tmp") };
    if (flags.output === void 0) {
      const saved = await saveImages(names, ctx.stdout, opts);
      if (!flags.quiet) for (const s of saved) err(ctx, `Saved ${s.names.join(", ") || s.digest}`);
      return;
    }
    const file = resolve(ctx.cwd, flags.output);
    const tmp = `${file}.hostpod-${process.pid}-${randomBytes(4).toString("hex")}`;
    const out = createWriteStream(tmp, { flags: "wx" });
    try {
      const saved = await saveImages(names, out, opts);
      out.end();
      await finished(out);
      await rename(tmp, file);
      if (!flags.quiet)
        for (const s of saved) err(ctx, `Saved ${s.names.join(", ") || s.digest} to ${file}`);
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
  });
}
export {
  registerImageSave
};
