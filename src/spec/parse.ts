import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { SpecError } from '../errors.js';
import { messages } from '../messages.js';
import { pipelineSchemaObject, TASK_TYPES } from './schema.js';
import type { PipelineSpec } from './types.js';

const ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, strict: true, allowUnionTypes: true });
const validateSchema = ajv.compile<PipelineSpec>(pipelineSchemaObject());

/** `/tasks/1/rows` → `tasks[1].rows`, the way users read their spec. */
export function specPath(instancePath: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The closest candidate within a third of the word's length, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.ceil(word.length / 3)) + 1;
  for (const c of candidates) {
    const dist = levenshtein(word, c);
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return best;
}

function describe(e: ErrorObject): string {
  const at = specPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = closest(key, allowed);
      const where = e.instancePath ? `${at}.${key}` : key;
      return `${where}: unknown key${hint ? ` (did you mean "${hint}"?)` : allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}`;
    }
    case 'required':
      return `${e.instancePath ? `${at}.` : ''}${String(p.missingProperty)}: is required`;
    case 'enum':
      return `${at}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(p.allowedValue)}`;
    case 'type': {
      const schema = e.parentSchema as { minimum?: number } | undefined;
      if (p.type === 'integer' && schema?.minimum === 1) return `${at}: must be a positive integer`;
      return `${at}: must be ${p.type === 'object' ? 'an object' : p.type === 'array' ? 'a list' : `a ${String(p.type)}`}`;
    }
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const schema = e.parentSchema as { type?: string; minimum?: number } | undefined;
      if (schema?.type === 'integer' && schema.minimum === 1) return `${at}: must be a positive integer`;
      return `${at}: must be ${String(p.comparison)} ${String(p.limit)}`;
    }
    case 'discriminator': {
      const tag = String(p.tag);
      return `${at}.${tag}: must be one of ${TASK_TYPES.join(', ')}`;
    }
    default:
      return `${at}: ${e.message ?? 'is invalid'}`;
  }
}

/** Validate a parsed spec object; throws SpecError listing every problem, one per line. */
export function validateSpec(raw: unknown, source = 'spec'): PipelineSpec {
  if (validateSchema(raw)) return raw;
  const msgs = [...new Set((validateSchema.errors ?? []).map(describe))];
  throw new SpecError(messages.specInvalid(source, msgs));
}

export async function readSpecFile(path: string): Promise<PipelineSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpecError(messages.specUnreadable(path, code === 'ENOENT' ? 'no such file' : code ?? String(e)));
  }
  let raw: unknown;
  const ext = extname(path).toLowerCase();
  try {
    raw = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const what = e instanceof YAMLParseError ? `line ${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0]}` : (e as Error).message;
    throw new SpecError(messages.specNotParsed(path, ext === '.json' ? 'JSON' : 'YAML', what));
  }
  return validateSpec(raw, path);
}
