// Trunk's build hooks (see Trunk.toml), for both bundles.
//   pre   the stylesheets: design tokens + the staff app's or the portal's rules, one file each,
//         into target/trunk-style/ (the index.html files link them for Trunk to hash).
//   post  in Trunk's staging folder: manifest.json (the hashed names the server reads at
//         start-up), the island's self-start, .br/.gz copies (served by tower-http's ServeDir)
//         and sizes.json with the size report; and Trunk's index.html removed (not a page).
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stage = process.argv[2];

if (stage === 'pre') {
  const out = join(root, 'target', 'trunk-style');
  mkdirSync(out, { recursive: true });
  const style = (f) => readFileSync(join(root, 'style', f), 'utf8');
  writeFileSync(join(out, 'dossier.css'), style('tokens.css') + style('app.css'));
  writeFileSync(join(out, 'portal.css'), style('tokens.css') + style('portal.css'));
} else if (stage === 'post') {
  const dir = process.env.TRUNK_STAGING_DIR;
  const base = process.env.TRUNK_PUBLIC_URL ?? '/';
  if (!dir) throw new Error('trunk-hook post: TRUNK_STAGING_DIR is not set (run it from trunk build)');
  rmSync(join(dir, 'index.html'), { force: true });
  const files = readdirSync(dir);
  const one = (re, what) => {
    const found = files.filter((f) => re.test(f));
    if (found.length !== 1) throw new Error(`trunk-hook post: expected one ${what} in ${dir}, found ${found.join(', ') || 'none'}`);
    return found[0];
  };
  const wasm = one(/_bg\.wasm$/, 'wasm module');
  const js = one(/\.js$/, 'JS glue');
  const css = one(/\.css$/, 'stylesheet');
  const icon = files.find((f) => /\.svg$/.test(f));
  const island = process.env.TRUNK_HTML_FILE?.includes(join('frontend', 'portal'));
  if (island) {
    // The island's glue starts itself, so portal pages need one module script and no inline
    // code (no nonce): the wasm's name is content-hashed, and so is the glue's.
    appendFileSync(join(dir, js), `\n__wbg_init({ module_or_path: new URL(${JSON.stringify(wasm)}, import.meta.url) });\n`);
  }
  const manifest = {
    output_name: wasm.replace(/_bg\.wasm$/, ''),
    js: base + js,
    wasm: base + wasm,
    css: base + css,
    ...(icon ? { icon: base + icon } : {}),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  const sizes = {};
  for (const f of files) {
    if (!/\.(js|wasm|css|svg)$/.test(f)) continue;
    const raw = readFileSync(join(dir, f));
    const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    writeFileSync(join(dir, f + '.br'), br);
    writeFileSync(join(dir, f + '.gz'), gzipSync(raw, { level: 9 }));
    sizes[f] = { raw: raw.length, brotli: br.length };
  }
  const kb = (n) => (n / 1024).toFixed(1) + ' KB';
  const code = sizes[js].brotli + sizes[wasm].brotli;
  sizes.first_load_code_brotli = code;
  writeFileSync(join(dir, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
  console.log(`size report (${base}):`);
  for (const [f, s] of Object.entries(sizes)) if (typeof s === 'object') console.log(`  ${f}: ${kb(s.raw)} raw, ${kb(s.brotli)} brotli`);
  console.log(`  wasm + JS glue: ${kb(code)} brotli`);
} else {
  throw new Error(`trunk-hook: unknown stage ${stage} (pre or post)`);
}
