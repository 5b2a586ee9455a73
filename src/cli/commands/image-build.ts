import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { RuntimeError } from '../../errors.ts';
import { type BuildResult, buildImage } from '../../image/build.ts';
import { parsePlatform } from '../../oci/platform.ts';
import { type CliContext, err, out } from '../io.ts';
import { imageGroup, openStores, stateRoot } from './image-import.ts';

/** `--cmd`/`--entrypoint` value: a JSON array of strings, or words split on whitespace. */
export function parseArgv(flag: string, v: string): string[] {
  const s = v.trim();
  if (s.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
      throw new RuntimeError(
        'InvalidArgument',
        `Invalid ${flag} ${JSON.stringify(v)}: not a JSON array of strings`,
        {
          hint: `write ${flag} '["/bin/sh","-c","echo hi"]' or ${flag} 'bin/tool --flag'`,
        },
      );
    }
    return parsed as string[];
  }
  return s === '' ? [] : s.split(/\s+/);
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** The lines `image build` prints. */
export function formatBuilt(r: BuildResult): string[] {
  return [`Built ${r.name} ${r.digest} ${r.platform} (${r.entries} entries, layer ${r.layerSize} bytes)`];
}

export function registerImageBuild(program: Command, ctx: CliContext): void {
  imageGroup(program)
    .command('build')
    .summary('pack a directory as a one-layer image')
    .description(
      'Pack DIR as a one-layer image and store it under --tag. Reproducible: entries sorted, ' +
        'mtimes 0, owners 0:0, fixed gzip level, so the same directory gives the same layer; the ' +
        "image's created time is now. With $SOURCE_DATE_EPOCH (seconds) both the created time and the " +
        'mtimes are that time, and the same directory gives the same digest (docs/images.md).',
    )
    .argument('<dir>', 'directory whose content becomes the image')
    .requiredOption('-t, --tag <name>', 'image name NAME[:TAG]')
    .option('--entrypoint <argv>', 'entrypoint: JSON array (\'["/bin/sh","-c"]\') or words')
    .option('--cmd <argv>', 'command: JSON array or words')
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable)', collect)
    .option('-w, --workdir <dir>', 'working directory')
    .option('--label <KEY=VALUE>', 'label (repeatable)', collect)
    .option(
      '--platform <os/arch>',
      'platform recorded in the config (default linux/<host arch>); windows/<arch> writes the Windows layer format',
    )
    .option('-q, --quiet', 'print only the manifest digest')
    .option('--root <dir>', 'state root (default $HOSTPOD_ROOT or /var/lib/hostpod)')
    .action(
      async (
        dir: string,
        opts: {
          tag: string;
          entrypoint?: string;
          cmd?: string;
          env?: string[];
          workdir?: string;
          label?: string[];
          platform?: string;
          quiet?: boolean;
          root?: string;
        },
      ) => {
        const labels: Record<string, string> = {};
        for (const l of opts.label ?? []) {
          const eq = l.indexOf('=');
          if (eq <= 0)
            throw new RuntimeError(
              'InvalidArgument',
              `Invalid --label ${JSON.stringify(l)}: expected KEY=VALUE`,
            );
          labels[l.slice(0, eq)] = l.slice(eq + 1);
        }
        const sde = ctx.env.SOURCE_DATE_EPOCH;
        if (sde !== undefined && !/^\d+$/.test(sde)) {
          throw new RuntimeError(
            'InvalidArgument',
            `Invalid SOURCE_DATE_EPOCH ${JSON.stringify(sde)}: expected seconds`,
          );
        }
        const root = stateRoot(opts.root, ctx);
        const { content, images } = openStores(root);
        const r = await buildImage(resolve(ctx.cwd, dir), content, images, {
          tag: opts.tag,
          tmpDir: join(root, 'tmp'),
          labels,
          ...(opts.entrypoint !== undefined
            ? { entrypoint: parseArgv('--entrypoint', opts.entrypoint) }
            : {}),
          ...(opts.cmd !== undefined ? { cmd: parseArgv('--cmd', opts.cmd) } : {}),
          ...(opts.env ? { env: opts.env } : {}),
          ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
          ...(opts.platform !== undefined ? { platform: parsePlatform(opts.platform) } : {}),
          ...(sde !== undefined ? { sourceDateEpoch: Number(sde) } : {}),
        });
        if (opts.quiet) out(ctx, r.digest);
        else for (const l of formatBuilt(r)) out(ctx, l);
        for (const n of r.notes) err(ctx, `note: ${n}`);
      },
    );
}
