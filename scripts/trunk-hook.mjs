// Trunk's build hooks (see Trunk.toml), for both bundles.
//   pre   the stylesheets: design tokens + the staff app's or the portal's rules, one file each,
//         into target/trunk-style/ (the index.html files link them for Trunk to hash).
//   post  in Trunk's staging folder: the staff bundle split at its lazy routes (splitStaff,
//         below), manifest.json (the hashed names the server reads at start-up), the island's
//         self-start, .br/.gz copies (served by tower-http's ServeDir) and sizes.json with the
//         size report; and Trunk's index.html removed (not a page).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  let wasm = one(/_bg\.wasm$/, 'wasm module');
  let js = one(/\.js$/, 'JS glue');
  const css = one(/\.css$/, 'stylesheet');
  const icon = files.find((f) => /\.svg$/.test(f));
  const island = process.env.TRUNK_HTML_FILE?.includes(join('frontend', 'portal'));
  let split = null;
  if (island) {
    // The island's glue starts itself, so portal pages need one module script and no inline
    // code (no nonce): the wasm's name is content-hashed, and so is the glue's.
    appendFileSync(join(dir, js), `\n__wbg_init({ module_or_path: new URL(${JSON.stringify(wasm)}, import.meta.url) });\n`);
  } else {
    split = await splitStaff(dir, js, wasm);
    js = `${split.folder}/frontend.js`;
    wasm = `${split.folder}/frontend_bg.wasm`;
  }
  const manifest = {
    output_name: wasm.replace(/^.*\//, '').replace(/_bg\.wasm$/, ''),
    ...(split ? { pkg_dir: base.replace(/^\/|\/$/g, '') + '/' + split.folder } : {}),
    js: base + js,
    wasm: base + wasm,
    css: base + css,
    ...(icon ? { icon: base + icon } : {}),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  const sizes = {};
  const compress = (f) => {
    const raw = readFileSync(join(dir, f));
    const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    writeFileSync(join(dir, f + '.br'), br);
    writeFileSync(join(dir, f + '.gz'), gzipSync(raw, { level: 9 }));
    sizes[f] = { raw: raw.length, brotli: br.length };
  };
  for (const f of readdirSync(dir)) if (/\.(js|wasm|css|svg)$/.test(f)) compress(f);
  if (split) for (const f of readdirSync(join(dir, split.folder))) if (/\.(js|wasm)$/.test(f)) compress(`${split.folder}/${f}`);
  const kb = (n) => (n / 1024).toFixed(1) + ' KB';
  // What the first view loads before it hydrates: the glue, the (main) wasm and, when split,
  // the loader the main module imports. A lazy page's chunks come on top when it is shown.
  const first = [js, wasm, ...(split ? [`${split.folder}/__wasm_split.js`] : [])];
  const code = first.reduce((n, f) => n + sizes[f].brotli, 0);
  sizes.first_load_code_brotli = code;
  if (split) {
    const chunks = Object.keys(sizes).filter((f) => f.startsWith(split.folder + '/') && !first.includes(f));
    sizes.lazy_chunks = { files: chunks.length, brotli: chunks.reduce((n, f) => n + sizes[f].brotli, 0) };
  }
  writeFileSync(join(dir, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
  console.log(`size report (${base}):`);
  for (const [f, s] of Object.entries(sizes)) if (typeof s === 'object' && 'raw' in s && !/\/(chunk|split)_/.test(f)) console.log(`  ${f}: ${kb(s.raw)} raw, ${kb(s.brotli)} brotli`);
  if (split) console.log(`  lazy chunks: ${sizes.lazy_chunks.files} files, ${kb(sizes.lazy_chunks.brotli)} brotli in all`);
  console.log(`  first load, wasm + JS: ${kb(code)} brotli`);
} else {
  throw new Error(`trunk-hook: unknown stage ${stage} (pre or post)`);
}

// The staff bundle, split at its lazy routes (`#[lazy_route]` in app/src/shell.rs): Trunk has
// built the wasm (cargo, with `--emit-relocs` from .cargo/config.toml, which the splitter
// needs), and this replaces its single module with a main module and one chunk per lazy page
// (plus chunks of code pages share), each then put through wasm-bindgen and wasm-opt:
//   wasm-split-cli  cargo's frontend.wasm -> main frontend.wasm, split_*/chunk_*.wasm and
//                   __wasm_split.js (the loader the main module imports)
//   wasm-bindgen    the main module -> frontend.js + frontend_bg.wasm (lld's exports kept:
//                   the chunks import them)
//   wasm-opt        every module, as -Oz with the portal's features, by binaryen in worker
//                   threads (scripts/wasm-opt-worker.mjs)
//   esbuild         the glue and the loader, minified
// The result goes to split-<hash of every file>/ beside Trunk's files: one folder per build, so
// every name in it is immutable without renaming the chunks the loader names. Trunk's unsplit
// glue and wasm are removed. Returns the folder's name.
async function splitStaff(dir, trunkJs, trunkWasm) {
  const target = process.env.CARGO_TARGET_DIR || join(root, 'target');
  const input = join(target, 'wasm32-unknown-unknown', 'wasm-release', 'frontend.wasm');
  if (!existsSync(input)) throw new Error(`trunk-hook post: cargo's ${input} is missing (is CARGO_TARGET_DIR the one Trunk built in?)`);
  const work = join(target, 'wasm-split');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.error) throw new Error(`trunk-hook post: cannot run ${cmd}: ${r.error.message} (scripts/ensure-tools.sh installs it)`);
    if (r.status !== 0) throw new Error(`trunk-hook post: ${cmd} ${args.join(' ')} failed (exit ${r.status})`);
  };
  run('wasm-split-cli', [input, work, '--out-name', 'frontend', '--target', 'web']);
  run('wasm-bindgen', ['--target', 'web', '--keep-lld-exports', '--no-demangle', '--no-typescript',
    '--out-dir', work, '--out-name', 'frontend', join(work, 'frontend.wasm')]);
  rmSync(join(work, 'frontend.wasm'));
  const names = readdirSync(work).sort();
  await optimise(names.filter((f) => f.endsWith('.wasm')).map((f) => join(work, f)));
  // The glue and the loader, minified (esbuild, from end2end's npm packages): the loader names
  // every chunk with a comment listing the split points that need it (about half its bytes).
  const { transformSync } = (await import(pathToFileURL(join(root, 'end2end', 'node_modules', 'esbuild', 'lib', 'main.js')).href)).default;
  for (const f of names) {
    if (!f.endsWith('.js')) continue;
    const code = readFileSync(join(work, f), 'utf8');
    writeFileSync(join(work, f), transformSync(code, { minify: true, format: 'esm', target: 'es2020', legalComments: 'none' }).code);
  }
  const hash = createHash('sha256');
  for (const f of names) hash.update(f).update('\0').update(readFileSync(join(work, f)));
  const folder = `split-${hash.digest('hex').slice(0, 16)}`;
  mkdirSync(join(dir, folder));
  for (const f of names) renameSync(join(work, f), join(dir, folder, f));
  rmSync(join(dir, trunkJs));
  rmSync(join(dir, trunkWasm));
  const chunks = names.filter((f) => f.endsWith('.wasm') && f !== 'frontend_bg.wasm').length;
  console.log(`split the staff bundle into ${folder}/: a main module and ${chunks} lazy chunks`);
  return { folder };
}

// Optimises the files in place on one worker thread per core, the largest first.
async function optimise(files) {
  const bySize = files.map((f) => [f, statSync(f).size]).sort((a, b) => b[1] - a[1]);
  const workers = Math.max(1, Math.min(availableParallelism(), bySize.length));
  const shares = Array.from({ length: workers }, () => ({ files: [], bytes: 0 }));
  for (const [f, n] of bySize) {
    const least = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    least.files.push(f);
    least.bytes += n;
  }
  const binaryen = pathToFileURL(join(root, 'end2end', 'node_modules', 'binaryen', 'index.js')).href;
  await Promise.all(shares.map(({ files }) => new Promise((done, fail) => {
    const w = new Worker(new URL('./wasm-opt-worker.mjs', import.meta.url), { workerData: { files, binaryen } });
    w.once('message', done);
    w.once('error', fail);
    w.once('exit', (code) => code === 0 || fail(new Error(`wasm-opt worker exited with ${code}`)));
  })));
}
