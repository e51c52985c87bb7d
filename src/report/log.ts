import cliProgress from 'cli-progress';

/**
 * Progress and log lines go to stderr so stdout stays clean for `--json` output. On a TTY a progress
 * line rewrites itself in place; in CI logs it prints at most every ~10% so logs stay readable.
 */
export interface Logger {
  info(msg: string): void;
  progress(label: string, done: number, total: number, extra?: string): void;
  done(label: string, extra?: string): void;
}

function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  if (sec < 60) return `${sec.toFixed(0)}s`;
  const m = Math.floor(sec / 60);
  return m < 60 ? `${m}m${String(Math.round(sec % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export { fmtDuration };

export function createLogger(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const started = new Map<string, { t0: number; lastPct: number; bar?: cliProgress.SingleBar }>();
  const clear = () => {
    for (const s of started.values()) s.bar?.stop();
    for (const s of started.values()) delete s.bar;
  };
  if (opts.quiet) return { info() {}, progress() {}, done() {} };
  return {
    info(msg) {
      clear();
      stream.write(`${msg}\n`);
    },
    progress(label, done, total, extra) {
      let s = started.get(label);
      if (!s) started.set(label, (s = { t0: performance.now(), lastPct: -1 }));
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      const elapsed = (performance.now() - s.t0) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : Infinity;
      const line = `${label} ${done}/${total} (${pct}%) ${extra ?? ''} elapsed ${fmtDuration(elapsed)} eta ${fmtDuration(eta)}`.replace(/\s+/g, ' ');
      if (tty) {
        if (!s.bar) {
          s.bar = new cliProgress.SingleBar({ stream, format: `${label} {bar} {percentage}% {value}/{total} {extra} eta {eta_formatted}`, hideCursor: false, clearOnComplete: false }, cliProgress.Presets.shades_classic);
          s.bar.start(total, done, { extra: extra ?? '' });
        }
        s.bar.update(done, { extra: extra ?? '' });
      } else if (pct >= s.lastPct + 10 || done === total) {
        stream.write(`${line}\n`);
        s.lastPct = pct - (pct % 10);
      }
    },
    done(label, extra) {
      const s = started.get(label);
      s?.bar?.stop();
      clear();
      stream.write(`${label} done${s ? ` in ${fmtDuration((performance.now() - s.t0) / 1000)}` : ''}${extra ? ` ${extra}` : ''}\n`);
      started.delete(label);
    },
  };
}
