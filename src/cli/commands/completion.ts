import type { Command, Option } from 'commander';
import { RuntimeError } from '../../errors.ts';
import { type CliContext, out } from '../io.ts';

/** Every command word (subcommands as `image build`) with its flags, read from the program. */
export interface CompletionSpec {
  commands: { name: string; flags: string[] }[];
}

/** The commands that take pod names, and whether a resource type (`pods`) comes first. */
const POD_COMMANDS: Record<string, boolean> = {
  get: true,
  describe: true,
  delete: true,
  top: true,
  logs: false,
  exec: false,
};

export function completionSpec(program: Command): CompletionSpec {
  const commands: CompletionSpec['commands'] = [];
  const flagsOf = (c: Command) =>
    c.options.flatMap((o: Option) => [o.short, o.long].filter((f): f is string => typeof f === 'string'));
  for (const c of program.commands) {
    commands.push({ name: c.name(), flags: [...flagsOf(c), '--help'] });
    for (const sub of c.commands)
      commands.push({ name: `${c.name()} ${sub.name()}`, flags: [...flagsOf(sub), '--help'] });
  }
  return { commands };
}

const shellWords = (words: string[]) => words.join(' ');

/** A bash completion script: commands, flags, files after -f, pod names from the daemon. */
export function bashScript(spec: CompletionSpec): string {
  const top = spec.commands.filter((c) => !c.name.includes(' ')).map((c) => c.name);
  const subs = new Map<string, string[]>();
  for (const c of spec.commands) {
    const [a, b] = c.name.split(' ');
    if (b) subs.set(a!, [...(subs.get(a!) ?? []), b]);
  }
  const flagCases = spec.commands.map((c) => `    "${c.name}") flags="${shellWords(c.flags)}" ;;`).join('\n');
  const subCases = [...subs].map(([a, b]) => `    ${a}) sub="${shellWords(b)}" ;;`).join('\n');
  const podCases = Object.entries(POD_COMMANDS)
    .map(([c, typed]) => `    ${c}) podcmd=1; typed=${typed ? 1 : 0} ;;`)
    .join('\n');
  return `# bash completion for hostpod (hostpod completion bash)
_hostpod_pods() {
  local ns_args=() i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -n|--namespace) ns_args=(-n "\${COMP_WORDS[i+1]}") ;;
      --socket) ns_args+=(--socket "\${COMP_WORDS[i+1]}") ;;
    esac
  done
  hostpod get pods -o name "\${ns_args[@]}" 2>/dev/null | sed 's|^pod/||'
}

_hostpod() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" sub="" flags="" podcmd=0 typed=0 args=() i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      -f|--filename|-n|--namespace|-c|--container|-o|--output|--socket|--root|--tail|--since|--since-time|--grace-period|--for) ((i++)) ;;
      -*) ;;
      *) if [[ -z "$cmd" ]]; then cmd="$w"; else args+=("$w"); fi ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=( $(compgen -W "${shellWords(top)}" -- "$cur") )
    return
  fi
  case "$cmd" in
${subCases}
  esac
  local key="$cmd"
  if [[ -n "$sub" ]]; then
    if [[ \${#args[@]} -eq 0 && "$cur" != -* ]]; then
      COMPREPLY=( $(compgen -W "$sub" -- "$cur") )
      return
    fi
    key="$cmd \${args[0]}"
  fi
  case "$prev" in
    -f|--filename) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    -o|--output) COMPREPLY=( $(compgen -W "wide json yaml name table text" -- "$cur") ); return ;;
    --socket|--root) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  case "$key" in
${flagCases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
    return
  fi
  case "$cmd" in
${podCases}
  esac
  if [[ $podcmd -eq 1 ]]; then
    if [[ $typed -eq 1 && \${#args[@]} -eq 0 ]]; then
      COMPREPLY=( $(compgen -W "pods pod" -- "$cur") )
    else
      COMPREPLY=( $(compgen -W "$(_hostpod_pods)" -- "$cur") )
    fi
    return
  fi
  COMPREPLY=( $(compgen -f -- "$cur") )
}
complete -F _hostpod hostpod
`;
}

/** zsh: the bash script through zsh's bashcompinit. */
export function zshScript(spec: CompletionSpec): string {
  return `#compdef hostpod
# zsh completion for hostpod (hostpod completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(spec)}`;
}

/** A fish completion script. */
export function fishScript(spec: CompletionSpec): string {
  const top = spec.commands.filter((c) => !c.name.includes(' '));
  const lines = [
    '# fish completion for hostpod (hostpod completion fish)',
    'function __hostpod_pods',
    "  hostpod get pods -o name 2>/dev/null | string replace -r '^pod/' ''",
    'end',
    `complete -c hostpod -f -n "__fish_use_subcommand" -a "${top.map((c) => c.name).join(' ')}"`,
  ];
  for (const c of spec.commands) {
    const words = c.name.split(' ');
    const cond =
      words.length === 1
        ? `__fish_seen_subcommand_from ${words[0]}`
        : `__fish_seen_subcommand_from ${words[0]}; and __fish_seen_subcommand_from ${words[1]}`;
    for (const f of c.flags) {
      const opt = f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`;
      lines.push(`complete -c hostpod -n "${cond}" ${opt}`);
    }
    if (words.length === 1) {
      const subs = spec.commands
        .filter((s) => s.name.startsWith(`${c.name} `))
        .map((s) => s.name.split(' ')[1]);
      if (subs.length) lines.push(`complete -c hostpod -f -n "${cond}" -a "${subs.join(' ')}"`);
    }
  }
  const pods = Object.keys(POD_COMMANDS).join(' ');
  lines.push(`complete -c hostpod -f -n "__fish_seen_subcommand_from ${pods}" -a "(__hostpod_pods)"`);
  return `${lines.join('\n')}\n`;
}

export function registerCompletion(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh, fish)')
    .description(
      'Print a script that completes hostpod commands, flags and (from the daemon, at completion ' +
        'time) pod names. Load it with: ' +
        '  bash: source <(hostpod completion bash)     (or save it in /etc/bash_completion.d/hostpod) ' +
        '  zsh:  source <(hostpod completion zsh) ' +
        '  fish: hostpod completion fish | source',
    )
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => {
      if (!['bash', 'zsh', 'fish'].includes(shell)) {
        throw new RuntimeError('InvalidArgument', `no completion for shell "${shell}"`, {
          hint: 'give bash, zsh or fish',
        });
      }
      // This run loaded only this command: build the whole program to read every command's flags.
      const { COMMANDS } = await import('./index.ts');
      const { buildProgram } = await import('../program.ts');
      const all = (await Promise.all(COMMANDS.map(([, load]) => load()))).flat();
      const spec = completionSpec(buildProgram(ctx, all));
      const script =
        shell === 'bash' ? bashScript(spec) : shell === 'zsh' ? zshScript(spec) : fishScript(spec);
      out(ctx, script.trimEnd());
    });
}
