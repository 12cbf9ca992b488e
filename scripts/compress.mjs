// Writes .br and .gz next to every asset in the folder and prints their sizes.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2];
const sizes = {};
for (const f of readdirSync(dir)) {
  if (!/\.(js|wasm|css|svg)$/.test(f)) continue;
  const raw = readFileSync(join(dir, f));
  const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(join(dir, f + '.br'), br);
  writeFileSync(join(dir, f + '.gz'), gzipSync(raw, { level: 9 }));
  sizes[f] = { raw: raw.length, brotli: br.length };
}
writeFileSync(join(dir, 'sizes.json'), JSON.stringify(sizes, null, 2));
for (const [f, s] of Object.entries(sizes)) console.log(`${f}: ${s.raw} B raw, ${s.brotli} B brotli`);
