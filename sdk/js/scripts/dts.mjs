// dist/yuntong-chat.d.ts next to the bundle, so `import ... from ".../yuntong-chat.mjs"` finds its types.
import { writeFileSync } from "node:fs";
writeFileSync(
  new URL("../dist/yuntong-chat.d.ts", import.meta.url),
  'export * from "./types/index";\nexport { default } from "./types/index";\n',
);
