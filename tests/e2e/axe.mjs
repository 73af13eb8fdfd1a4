// axe-core's checks for WCAG 2.0 and 2.1, levels A and AA (contrast, labels,
// accessible names, landmarks, lang attributes and the rest a machine can check), run
// in a playwright page over a list of paths. The page's context must bypass CSP: the
// site allows no inline script, and axe goes in as one.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Each violation found, as "path rule (impact): first elements". */
export async function axeViolations(p, base, paths) {
  const found = [];
  for (const path of paths) {
    await p.goto(`${base}${path}`);
    await p.addScriptTag({ content: source });
    const violations = await p.evaluate(async () => {
      const result = await window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      });
      return result.violations.map(
        (v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`,
      );
    });
    found.push(...violations.map((v) => `${path} ${v}`));
  }
  return found;
}
