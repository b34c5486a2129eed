// Drops the comments from wasm-split's loader and recompresses it (build_release in
// scripts/common.sh runs this after `cargo leptos build --precompress --split`).
//
// The loader (pkg/__wasm_split.*.js) defines a function per chunk (about 650), and above
// each it lists, in a comment, every page that shares the chunk. No browser reads those
// comments, yet they were two fifths of a file every page loads first: 9.6 KiB brotli
// with them, 6.4 without. Only whole-line `/* … */` comments are removed;
// the code is untouched. The .br and .gz beside the file are rewritten as cargo-leptos'
// --precompress writes them (brotli at quality 11, gzip at level 9).
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const dir = process.argv[2];
if (!dir) {
    console.error("usage: node compact-split-loader.mjs <site pkg directory>");
    process.exit(2);
}
const loaders = fs.readdirSync(dir).filter((f) => /^__wasm_split\..*\.js$/.test(f));
if (loaders.length === 0) {
    console.error(`no __wasm_split.*.js in ${dir}: was the client built with --split?`);
    process.exit(1);
}
for (const name of loaders) {
    const file = path.join(dir, name);
    const before = fs.readFileSync(file, "utf8");
    const after = before
        .split("\n")
        .filter((line) => !/^\/\*.*\*\/$/.test(line.trim()))
        .join("\n");
    fs.writeFileSync(file, after);
    const br = zlib.brotliCompressSync(after, {
        params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(after),
        },
    });
    fs.writeFileSync(`${file}.br`, br);
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(after, { level: 9 }));
    console.log(`${name}: ${before.length} → ${after.length} bytes, ${br.length} bytes brotli`);
}
