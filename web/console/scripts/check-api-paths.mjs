// Fails when a path used by the console's API client (src/api/paths.ts) is not in api/openapi.yaml.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const spec = parse(readFileSync(join(root, '..', '..', 'api', 'openapi.yaml'), 'utf8'));
const specPaths = new Set(Object.keys(spec.paths ?? {}));
const client = readFileSync(join(root, 'src', 'api', 'paths.ts'), 'utf8');
const used = [...client.matchAll(/:\s*'(\/[^']*)'/g)].map((m) => m[1]);
const missing = used.filter((p) => !specPaths.has(p));
if (used.length === 0) {
  console.error('check-api-paths: found no paths in src/api/paths.ts');
  process.exit(1);
}
if (missing.length) {
  console.error('check-api-paths: not in api/openapi.yaml:\n  ' + missing.join('\n  '));
  process.exit(1);
}
console.log(`check-api-paths: ${used.length} client paths, all present in api/openapi.yaml`);
