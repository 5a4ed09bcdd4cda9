// Type entry points next to the bundle: `.d.mts` is what TypeScript reads for `import ... from ".../yuntong-chat.mjs"`,
// `.d.ts` what package.json's "types" names.
import { writeFileSync } from "node:fs";
const entry = 'export * from "./types/index.js";\nexport { default } from "./types/index.js";\n';
for (const name of ["yuntong-chat.d.ts", "yuntong-chat.d.mts"]) {
  writeFileSync(new URL(`../dist/${name}`, import.meta.url), entry);
}
