import { writeFileAtomic } from '../io/atomic.js';
import { pipelineSchemaObject } from './schema.js';

/** `npm run schemas`: regenerate schemas/pipeline.schema.json from the TypeBox source of truth (schema.ts). */
export function pipelineSchemaJson(): string {
  return `${JSON.stringify(pipelineSchemaObject(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ''))) {
  await writeFileAtomic(new URL('../../schemas/pipeline.schema.json', import.meta.url).pathname, pipelineSchemaJson());
}
