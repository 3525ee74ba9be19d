// `expand`: the cells a matrix makes, as text or JSON. Only the text to print is kept per
// cell (a 100,000-cell matrix stays small), and nothing is printed before the whole matrix
// is known good.
import { loadEach } from "./load.js";

export async function expandCommand(file: string, o: { json?: boolean; only?: string[] }): Promise<void> {
  const out: string[] = [];
  await loadEach(file, o.only, (c) => {
    if (o.json) {
      const cell = { id: c.cell.id, image: c.image, values: c.cell.values, options: c.cell.options, keys: c.recipe.keys };
      out.push(JSON.stringify(cell, null, 2).replace(/^/gm, "  "));
    } else {
      out.push(`${c.cell.id.padEnd(48)} ${c.image}\n${c.notes.map((n) => `  note: ${n}\n`).join("")}`);
    }
  });
  if (o.json) {
    for (const [i, j] of out.entries()) process.stdout.write(`${i === 0 ? "[\n" : ",\n"}${j}`);
    process.stdout.write(out.length === 0 ? "[]\n" : "\n]\n");
    return;
  }
  for (const line of out) process.stdout.write(line);
  process.stdout.write(`${out.length} cells\n`);
}
