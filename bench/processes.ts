import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  /** The Node process's id (under npm and its shell). */
  pid: number;
  /** The first match of the ready pattern (e.g. the URL it serves at). */
  ready: RegExpExecArray;
  /** Resident memory now (VmRSS). */
  rssMb(): number;
  /** Peak resident memory so far (the kernel's high-water mark, VmHWM). */
  peakRssMb(): number;
  /** CPU time the process has used so far, all its threads, user and system. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * `npm run <script>` (`start`, `worker`), exactly as an operator starts it (its Node flags
 * included), configured through the environment; ready once a log line matches `ready`. npm runs
 * the script through a shell, so the Node process is found among npm's descendants: its memory is
 * what a benchmark reports.
 */
export async function startServiceProcess(
  script: string,
  ready: RegExp,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const child = spawn('npm', ['run', '--silent', script], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      LOG_LEVEL: 'info',
      // BENCH_CPU_PROF_DIR=dir: the service writes a V8 CPU profile there when it stops (to see where a figure's time goes).
      ...(process.env.BENCH_CPU_PROF_DIR
        ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}` }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit');
  let output = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    lines.on('line', (line) => {
      if (output.length < 20_000) output += `${line}\n`;
      const found = ready.exec(line);
      if (found) resolve(found);
      // Warnings and errors the service logs (pino JSON, level 40 and up) are the benchmark's to show.
      if (/"level":[4-6]0/.test(line)) process.stderr.write(`${script}: ${line}\n`);
    });
    void exited.then(() => reject(new Error(`npm run ${script} exited before it was ready:\n${output}`)));
  });
  const pid = descendants(child.pid!).find((candidate) => {
    const [command, ...args] = commandLine(candidate);
    return command?.endsWith('node') && args.includes('src/main.ts');
  });
  if (pid === undefined) throw new Error(`the Node process of npm run ${script} was not found under npm`);
  const memoryMb = (field: string) => {
    const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib) / 1024;
  };
  return {
    pid,
    ready: match,
    rssMb: () => memoryMb('VmRSS'),
    peakRssMb: () => memoryMb('VmHWM'),
    cpuSeconds: () => cpuSecondsOf(pid),
    async stop() {
      process.kill(pid, 'SIGTERM');
      await exited;
    },
  };
}

/** utime + stime of /proc/<pid>/stat (fields 14 and 15), in the kernel's USER_HZ (100 on Linux). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Every process under `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces): state, ppid, …
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents)
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
  }
  return found;
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
