// Opens built HTML pages in headless Chromium at a phone's width (390 x 844) and reports:
// axe-core violations (all rules, colour contrast included), whether the page scrolls sideways,
// and the smallest chart text in CSS pixels.
//   CHROMIUM=/usr/bin/chromium node scripts/phone_check.js a.html ...   (npm puppeteer-core)
// Exit code 1 if any page has a violation, scrolls sideways or has chart text under 11 px.
const fs = require("fs");
const path = require("path");
const puppeteer = require("puppeteer-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  let failures = 0;
  for (const file of process.argv.slice(2)) {
    const page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
    await page.goto("file://" + path.resolve(file), { waitUntil: "load" });
    await page.evaluate(axeSource);
    const axe = await page.evaluate(async () => (await window.axe.run(document)).violations
      .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`));
    const layout = await page.evaluate(() => {
      const sizes = [...document.querySelectorAll("figure.chart svg text")].map((t) => {
        const box = t.getBoundingClientRect();
        const size = parseFloat(getComputedStyle(t).fontSize);
        const svg = t.ownerSVGElement;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return size * scale;
      });
      return { scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
               smallest: sizes.length ? Math.min(...sizes) : null, texts: sizes.length };
    });
    const sideways = layout.scrollWidth > layout.width;
    const small = layout.smallest !== null && layout.smallest < 11 - 1e-6;
    console.log(`${file}: axe ${axe.length ? axe.join("; ") : "no violations"}; page width ` +
      `${layout.scrollWidth} px at ${layout.width} px${sideways ? " (SCROLLS SIDEWAYS)" : ""}; ` +
      `smallest chart text ${layout.smallest === null ? "n/a" : layout.smallest.toFixed(1)} px` +
      ` over ${layout.texts} texts`);
    if (axe.length || sideways || small) failures += 1;
    await page.close();
  }
  await browser.close();
  process.exit(failures ? 1 : 0);
})();
