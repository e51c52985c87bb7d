import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/report/log.js';

/** A non-TTY stream that keeps its lines, a clock the test moves, and a heartbeat timer it fires by hand. */
function fixture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (lines.push(...String(s).split('\n').filter(Boolean)), true) } as unknown as NodeJS.WritableStream;
  let ms = 0;
  const timer: { fn?: () => void; ms?: number; cancelled: number } = { cancelled: 0 };
  const log = createLogger({
    stream,
    now: () => ms,
    every: (fn, period) => {
      timer.fn = fn;
      timer.ms = period;
      return () => {
        timer.fn = undefined;
        timer.cancelled++;
      };
    },
  });
  return { log, lines, timer, advance: (sec: number) => (ms += sec * 1000) };
}

describe('non-TTY progress log', () => {
  it('prints the first report at once, then every 10%, and at least every 30 s between', () => {
    const { log, lines, advance } = fixture();
    log.start('train');
    advance(3);
    log.progress('train', 1, 1000, 'loss 1.0');
    expect(lines).toEqual(['train 1/1000 (0%) loss 1.0 elapsed 3s eta 49m57s']);
    // 2 steps a second: 10% takes 50 s, so 30 s of silence comes first.
    for (let step = 11; step <= 81; step += 10) {
      advance(5);
      log.progress('train', step, 1000, 'loss 1.0');
    }
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('train 61/1000 (6%) loss 1.0 elapsed 33s eta 8m28s');
    for (let step = 91; step <= 101; step += 10) {
      advance(5);
      log.progress('train', step, 1000, 'loss 1.0');
    }
    expect(lines.at(-1)).toMatch(/^train 101\/1000 \(10%\)/);
  });

  it('between progress reports the injected timer repeats the running stage after 30 s of silence', () => {
    const { log, lines, timer, advance } = fixture();
    log.start('tasks[1] impute');
    expect(timer.ms).toBe(10_000);
    advance(20);
    timer.fn!();
    expect(lines).toEqual([]);
    advance(11);
    timer.fn!();
    expect(lines).toEqual(['tasks[1] impute running, elapsed 31s']);
    log.progress('tasks[1] impute', 100, 400, 'rows×draws');
    advance(30);
    timer.fn!();
    expect(lines.at(-1)).toBe('tasks[1] impute 100/400 (25%) rows×draws elapsed 1m01s eta 3m03s');
    log.done('tasks[1] impute', '(100 rows)');
    expect(timer.cancelled).toBe(1);
    expect(timer.fn).toBeUndefined();
  });

  it("a stage's duration starts at start(), not at its first progress report", () => {
    const { log, lines, advance } = fixture();
    log.start('tasks[2] generate');
    advance(12);
    log.progress('tasks[2] generate', 500, 500, 'rows');
    log.done('tasks[2] generate', '(500 rows)');
    expect(lines.at(-1)).toBe('tasks[2] generate done in 12s (500 rows)');
    // Sub-stages end with their stage: the blend's "impute: diffusion draws" is not repeated after it.
    log.start('tasks[3] impute');
    log.progress('tasks[3] impute: diffusion draws', 1, 10, 'rows×draws');
    advance(45);
    log.done('tasks[3] impute');
    expect(lines.at(-1)).toBe('tasks[3] impute done in 45s');
  });

  it('the heartbeat speaks for the stage last started or reporting, until its done', () => {
    const { log, lines, timer, advance } = fixture();
    log.start('tasks[0] profile');
    log.start('tasks[1] generate');
    log.progress('tasks[1] generate', 2000, 2000, 'rows');
    // All rows sampled, the output still being written: still that stage, not the profile task before it.
    advance(40);
    timer.fn!();
    expect(lines.at(-1)).toBe('tasks[1] generate 2000/2000 (100%) rows elapsed 40s eta 0s');
    log.done('tasks[1] generate');
    expect(timer.fn).toBeUndefined();
    log.info('evaluate: fidelity');
    expect(lines.at(-1)).toBe('evaluate: fidelity');
  });

  it('-q prints nothing', () => {
    const lines: string[] = [];
    const log = createLogger({ quiet: true, stream: { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WritableStream });
    log.start('train');
    log.progress('train', 1, 2);
    log.done('train');
    expect(lines).toEqual([]);
  });
});
