import type { Command } from 'commander';
import type { EventView } from '../../api/protocol.ts';
import { RuntimeError } from '../../errors.ts';
import { type CliContext, out } from '../io.ts';
import {
  daemonClient,
  interruptSignal,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { eventAge } from './pod-describe.ts';
import { formatColumns } from './table.ts';

interface EventsFlags extends SocketFlags, NamespaceFlags {
  for?: string;
  watch?: boolean;
}

/** The rows of `hostpod events` (kubectl events' columns). */
export function formatEvents(
  events: readonly EventView[],
  options: { namespaces?: boolean; node: string; noHeader?: boolean },
  now: Date,
): string[] {
  const header = [
    ...(options.namespaces ? ['NAMESPACE'] : []),
    'LAST SEEN',
    'TYPE',
    'REASON',
    'OBJECT',
    'MESSAGE',
  ];
  const rows = events.map((e) => [
    ...(options.namespaces ? [e.pod?.namespace ?? ''] : []),
    eventAge(e, now),
    e.type,
    e.reason,
    e.pod ? `pod/${e.pod.name}` : `node/${options.node}`,
    e.message,
  ]);
  return formatColumns(header, rows, options.noHeader);
}

export function registerEvents(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('events')
    .summary('list events (kubectl events)')
    .description(
      'List the events of a namespace (-n, default "default"), of all (-A), or of one pod ' +
        '(--for pod/NAME), oldest first: LAST SEEN TYPE REASON OBJECT MESSAGE. -w prints new events ' +
        'until Ctrl-C.',
    )
    .option('--for <object>', 'only the events of this object (pod/NAME)')
    .option('-w, --watch', 'after listing, print each new event until Ctrl-C');
  namespaceOptions(cmd, true);
  socketOption(cmd);
  cmd.action(async (flags: EventsFlags) => {
    const namespace = namespaceOf(flags);
    const filter: { namespace?: string; pod?: string } = namespace === undefined ? {} : { namespace };
    if (flags.for !== undefined) {
      const m = /^(?:pod|pods|po)\/(.+)$/.exec(flags.for);
      if (!m)
        throw new RuntimeError('InvalidArgument', `--for "${flags.for}" is not pod/NAME`, {
          hint: 'hostpod keeps events of pods (and of the node, shown without --for)',
        });
      filter.pod = m[1]!;
    }
    const client = await daemonClient(flags, ctx);
    let nodeName: string | undefined;
    const node = async (events: readonly EventView[]) => {
      if (nodeName === undefined && events.some((e) => !e.pod)) nodeName = (await client.version()).node.name;
      return nodeName ?? '';
    };
    const table = (events: readonly EventView[], n: string, noHeader: boolean) => {
      const o: { namespaces?: boolean; node: string; noHeader?: boolean } = { node: n, noHeader };
      if (flags.allNamespaces) o.namespaces = true;
      return formatEvents(events, o, new Date());
    };
    const listed = await client.listEvents(filter);
    if (listed.length === 0 && !flags.watch) {
      ctx.stderr.write(
        namespace === undefined ? 'No events found.\n' : `No events found in ${namespace} namespace.\n`,
      );
      return;
    }
    if (listed.length > 0) for (const l of table(listed, await node(listed), false)) out(ctx, l);
    if (!flags.watch) return;
    const { signal, dispose } = interruptSignal(ctx);
    let header = listed.length === 0;
    try {
      const after = listed.at(-1)?.id;
      for await (const e of client.watchEvents(after === undefined ? filter : { ...filter, after }, signal)) {
        for (const l of table([e], await node([e]), !header)) out(ctx, l);
        header = false;
      }
    } finally {
      dispose();
    }
  });
}
