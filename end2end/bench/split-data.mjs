// Where the release client's constant data went: `node bench/split-data.mjs <pkg dir>`.
//
// `cargo leptos build --split` gives each page chunk the constants (strings, vtables) only
// it uses, unless the relocated data would not fit the original segment; then the whole
// segment stays in the main bundle that every page downloads (see SPLIT_DATA_ROOM in
// src/lib.rs). This prints the split and exits 1 when the chunks carry none of it, so a
// build that fell back is caught by scripts/test, not months later by the bench.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

function dataBytes(file) {
  const b = readFileSync(file);
  let pos = 8;
  let total = 0;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = b[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return result;
    }
  };
  while (pos < b.length) {
    const id = b[pos++];
    const size = leb();
    if (id === 11) total += size;
    pos += size;
  }
  return total;
}

const dir = process.argv[2] ?? "../target/site/pkg";
const wasm = readdirSync(dir).filter((f) => f.endsWith(".wasm"));
const main = wasm.find((f) => f === "tenantry.wasm");
if (!main) {
  console.error(`no tenantry.wasm in ${dir}`);
  process.exit(2);
}
const inMain = dataBytes(join(dir, main));
const inChunks = wasm.filter((f) => f !== main).reduce((sum, f) => sum + dataBytes(join(dir, f)), 0);
const kib = (n) => (n / 1024).toFixed(1);
console.log(
  `constant data: ${kib(inMain)} KiB in the main bundle, ${kib(inChunks)} KiB in ${wasm.length - 1} chunks`,
);
// Every page chunk carries some constants of its own; a handful of bytes in all of them
// together means the splitter kept the whole segment in main.
if (wasm.length > 1 && inChunks < inMain / 4) {
  console.error(
    "the page chunks carry almost no constant data: the splitter kept it all in the main bundle " +
      "(relocated data outgrew the segment; make SPLIT_DATA_ROOM in src/lib.rs larger)",
  );
  process.exit(1);
}
