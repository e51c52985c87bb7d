import cliProgress from 'cli-progress';

/**
 * Progress and log lines go to stderr so stdout stays clean for `--json` output. On a TTY a progress
 * line rewrites itself in place; in CI logs (no TTY) it prints when a stage reports its first progress,
 * every ~10% after that, and, so a long stage never looks hung, at least every `heartbeatMs` (30 s).
 * A stage's clock starts at `start(label)` (else at its first progress report): `done` says how long it took.
 */
export interface Logger {
  info(msg: string): void;
  /** The stage `label` starts now: its elapsed time, ETA and `done … in` count from here. */
  start(label: string): void;
  progress(label: string, done: number, total: number, extra?: string): void;
  done(label: string, extra?: string): void;
}

export interface LoggerOptions {
  quiet?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** The longest a running stage stays silent in a non-TTY log, in ms (default 30 000). */
  heartbeatMs?: number;
  /** A clock in ms (default `performance.now`); tests pass a fake one. */
  now?: () => number;
  /**
   * Calls `fn` every `ms` while a stage runs, between its progress reports; returns the canceller
   * (default: an unref'd setInterval). Tests pass a fake one.
   */
  every?: (fn: () => void, ms: number) => () => void;
}

function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  if (sec < 60) return `${sec.toFixed(0)}s`;
  const m = Math.floor(sec / 60);
  return m < 60 ? `${m}m${String(Math.round(sec % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export { fmtDuration };

const defaultEvery = (fn: () => void, ms: number): (() => void) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

interface Stage {
  t0: number;
  lastPct: number;
  /** The last progress report, repeated by the heartbeat; absent before the first. */
  last?: { done: number; total: number; extra?: string };
  bar?: cliProgress.SingleBar;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  if (opts.quiet) return { info() {}, start() {}, progress() {}, done() {} };
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const now = opts.now ?? (() => performance.now());
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  const every = opts.every ?? defaultEvery;
  const stages = new Map<string, Stage>();
  // The stage the heartbeat speaks for: the last one started or reporting progress, until its `done`.
  let current: string | undefined;
  let lastWrite = now();
  let cancelTimer: (() => void) | undefined;

  const write = (line: string) => {
    stream.write(`${line}\n`);
    lastWrite = now();
  };
  const clear = () => {
    for (const s of stages.values()) s.bar?.stop();
    for (const s of stages.values()) delete s.bar;
  };
  const stage = (label: string): Stage => {
    let s = stages.get(label);
    if (!s) stages.set(label, (s = { t0: now(), lastPct: -1 }));
    return s;
  };
  const line = (label: string, s: Stage): string => {
    const elapsed = (now() - s.t0) / 1000;
    if (!s.last) return `${label} running, elapsed ${fmtDuration(elapsed)}`;
    const { done, total, extra } = s.last;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const eta = done > 0 ? (elapsed * (total - done)) / done : Infinity;
    return `${label} ${done}/${total} (${pct}%) ${extra ?? ''} elapsed ${fmtDuration(elapsed)} eta ${fmtDuration(eta)}`.replace(/\s+/g, ' ');
  };
  /** Non-TTY: repeat the current stage's line once the log has been silent for heartbeatMs. */
  const heartbeat = () => {
    const s = current === undefined ? undefined : stages.get(current);
    if (!tty && s && now() - lastWrite >= heartbeatMs) write(line(current!, s));
  };
  const watch = (label: string) => {
    current = label;
    if (!tty && !cancelTimer) cancelTimer = every(heartbeat, Math.max(1, Math.floor(heartbeatMs / 3)));
  };
  const unwatch = () => {
    if (current !== undefined && stages.has(current)) return;
    current = undefined;
    cancelTimer?.();
    cancelTimer = undefined;
  };

  return {
    info(msg) {
      clear();
      write(msg);
    },
    start(label) {
      stages.set(label, { t0: now(), lastPct: -1 });
      watch(label);
    },
    progress(label, done, total, extra) {
      const s = stage(label);
      const first = !s.last;
      s.last = { done, total, extra };
      watch(label);
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      if (tty) {
        if (!s.bar) {
          s.bar = new cliProgress.SingleBar({ stream: stream as NodeJS.WriteStream, format: `${label} {bar} {percentage}% {value}/{total} {extra} eta {eta_formatted}`, hideCursor: false, clearOnComplete: false }, cliProgress.Presets.shades_classic);
          s.bar.start(total, done, { extra: extra ?? '' });
        }
        s.bar.update(done, { extra: extra ?? '' });
      } else if (first || pct >= s.lastPct + 10 || done === total || now() - lastWrite >= heartbeatMs) {
        write(line(label, s));
        s.lastPct = Math.max(s.lastPct, pct - (pct % 10));
      }
    },
    done(label, extra) {
      const s = stages.get(label);
      s?.bar?.stop();
      clear();
      write(`${label} done${s ? ` in ${fmtDuration((now() - s.t0) / 1000)}` : ''}${extra ? ` ${extra}` : ''}`);
      stages.delete(label);
      // Sub-stages (`impute: diffusion draws`) end with their stage.
      for (const k of [...stages.keys()]) if (k.startsWith(`${label}: `)) stages.delete(k);
      unwatch();
    },
  };
}
