// Fails when a line of hand-written code is over 120 characters: Rust, the
// window's TypeScript and the tests' JavaScript (generated bindings aside).
// rustfmt and prettier keep to that width but leave long strings alone.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const LIMIT = 120;
const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.rs", "*.ts", "*.mjs"], {
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f && !f.endsWith("ui/src/api/bindings.ts") && !f.startsWith("ui/dist/"));
const long = [];
for (const f of files) {
  let text;
  try {
    text = readFileSync(f, "utf8");
  } catch {
    continue; // listed but deleted in the working tree
  }
  text.split("\n").forEach((line, i) => {
    const n = [...line].length;
    if (n > LIMIT) long.push(`${f}:${i + 1}: ${n} caractères`);
  });
}
if (long.length) {
  console.error(`Lignes de plus de ${LIMIT} caractères :\n${long.join("\n")}`);
  process.exit(1);
}
console.log(`${files.length} fichiers, aucune ligne de plus de ${LIMIT} caractères`);
