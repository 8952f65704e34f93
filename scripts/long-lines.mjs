// Fails when a line of hand-written code is over 120 characters (Rust, the
// window's TypeScript and CSS, the tests' JavaScript; generated bindings
// aside), or when a hand-written file of the product (core, server, client,
// cli, src-tauri, ui/src) is over 500 lines: a file that long holds more than
// one thing, and grows unnoticed after a split. rustfmt and prettier keep to
// the width but leave long strings alone.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const LIMIT = 120;
const MAX_LINES = 500;
const PRODUCT = ["core/", "server/", "client/", "cli/", "src-tauri/", "ui/src/"];
const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.rs", "*.ts", "*.mjs", "*.css"], {
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f && !f.endsWith("ui/src/api/bindings.ts") && !f.startsWith("ui/dist") && !f.includes("node_modules"));
const long = [];
const big = [];
for (const f of files) {
  let text;
  try {
    text = readFileSync(f, "utf8");
  } catch {
    continue; // listed but deleted in the working tree
  }
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const n = [...line].length;
    if (n > LIMIT) long.push(`${f}:${i + 1}: ${n} caractères`);
  });
  const count = text.endsWith("\n") ? lines.length - 1 : lines.length;
  if (PRODUCT.some((p) => f.startsWith(p)) && count > MAX_LINES) big.push(`${f} : ${count} lignes`);
}
if (long.length) console.error(`Lignes de plus de ${LIMIT} caractères :\n${long.join("\n")}`);
if (big.length) console.error(`Fichiers de plus de ${MAX_LINES} lignes (à découper) :\n${big.join("\n")}`);
if (long.length || big.length) process.exit(1);
console.log(
  `${files.length} fichiers, aucune ligne de plus de ${LIMIT} caractères, ` +
    `aucun fichier du produit de plus de ${MAX_LINES} lignes`,
);
