// Runs axe-core on built HTML pages in jsdom (no browser needed): node scripts/axe_check.js a.html ...
// jsdom does no layout, so axe's colour-contrast rule is off here (charts.py tests the chart
// palette; the stylesheet's text colours are fixed). Exit code 1 if any page has a violation.
const fs = require("fs");
const { JSDOM } = require("jsdom");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

async function check(path) {
  const dom = new JSDOM(fs.readFileSync(path, "utf8"), { runScripts: "outside-only" });
  dom.window.eval(axeSource);
  const result = await dom.window.axe.run(dom.window.document, {
    rules: { "color-contrast": { enabled: false } },
  });
  for (const v of result.violations) {
    console.log(`${path}: ${v.id} (${v.impact}): ${v.help} [${v.nodes.length} nodes]`);
  }
  return result.violations.length;
}

(async () => {
  let total = 0;
  for (const path of process.argv.slice(2)) total += await check(path);
  console.log(`axe-core: ${total} violation(s) in ${process.argv.length - 2} page(s)`);
  process.exit(total ? 1 : 0);
})();
