#!/usr/bin/env node
// DAISY Ace on many EPUBs in one process (tests/epub-lib.sh's ace_all): Ace's command line
// starts and stops Chromium for every book, which costs more than checking a small book, so
// here one browser serves them all. Prints each violation (any impact) as
//   ace: BOOK: RULE (impact) in DOCUMENT: HTML
// and exits 1 when there is any, 2 when Ace itself failed.
// Usage: ACE_DIR=build/ace node tests/ace-check.js BOOK.epub...
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

const aceDir = path.resolve(process.env.ACE_DIR || 'build/ace');
const need = createRequire(path.join(aceDir, 'package.json'));
// Ace's EPUB parser (@daisy/epub-utils) finds each spine item's manifest entry with an XPath
// query over the whole manifest whose node set is sorted by document position: quadratic and
// worse in the number of chapters (100 chapters: 3 s of CPU; 300: 26 s; 1,000: minutes before
// the first document is checked). Those queries are answered from an index of the manifest's
// items by id, with the same nodes; every other query goes to xpath as before.
const xpath = need('xpath');
const useNamespaces = xpath.useNamespaces;
const ITEM_BY_ID = /^\/opf:package\/opf:manifest\/opf:item\[@id='([^']*)'\]$/;
xpath.useNamespaces = function (map) {
  const select = useNamespaces.call(this, map);
  const index = new WeakMap();
  return function (expr, node, single) {
    const m = typeof expr === 'string' && ITEM_BY_ID.exec(expr);
    if (!m || !node || node.nodeType !== 9 || single) return select(expr, node, single);
    let byId = index.get(node);
    if (!byId) {
      byId = new Map();
      for (const item of select('/opf:package/opf:manifest/opf:item[@id]', node)) {
        const id = item.getAttribute('id');
        if (!byId.has(id)) byId.set(id, []);
        byId.get(id).push(item);
      }
      index.set(node, byId);
    }
    return (byId.get(m[1]) || []).slice();
  };
};
const ace = need('@daisy/ace-core');
const runner = need('@daisy/ace-axe-runner-puppeteer');
need('@daisy/ace-logger').initLogger({ verbose: false, silent: true });

// Ace's runner (@daisy/ace-axe-runner-puppeteer) launches and closes a browser around each
// book, opens a new page per content document and sends axe (1.3 MB) and Ace's scripts to it
// over the DevTools protocol each time: a 1,000-chapter book took over ten minutes, mostly in
// node. This runner does the same checks with one browser for all the books and a few pages
// reused from document to document, each told once to run the scripts in every document it
// loads (evaluateOnNewDocument: before the document's own parsing, as nothing of Ace's needs
// the DOM until daisy.ace.run). ACE_RUNNER=ace uses Ace's own runner instead (slow), to compare.
const fs_read = p => fs.readFileSync(p, 'utf8');
const scriptCache = new Map();
let browser = null;
const idle = [];
const fast = {
  concurrency: 2,
  launch: async () => {
    if (!browser)
      browser = await need('puppeteer').launch({
        args: ['--no-sandbox', '--disable-setuid-sandbox'], headless: true, timeout: 30000,
        protocolTimeout: 240000,
      });
  },
  close: async () => {},
  run: async (url, scripts, scriptContents) => {
    // the scripts are the same for every document (axe, Ace's, the locale's strings): a page
    // keeps the set it was given, and a document wanting another set gets a page of its own
    const key = JSON.stringify([scriptContents, scripts]);
    let i = idle.findIndex(p => p.key === key);
    let slot = i >= 0 ? idle.splice(i, 1)[0] : null;
    if (!slot) {
      const page = await browser.newPage();
      await page.setRequestInterception(true);
      page.on('request', request => {
        const u = request.url();
        if (/^https?:\/\//.test(u)) return request.abort();
        // served as XHTML, as Ace's runner does (a file:// .xhtml would be read as HTML)
        if (request.resourceType() === 'document' && /^file:\//.test(u) && /\.html?$/.test(u)) {
          return fs.readFile(new URL(u), 'utf8', (err, body) => err ? request.continue() :
            request.respond({ status: 200, contentType: 'application/xhtml+xml', body }));
        }
        request.continue();
      });
      let source = scriptContents.join('\n;\n');
      for (const p of scripts) {
        if (!scriptCache.has(p)) scriptCache.set(p, fs_read(p));
        source += '\n;\n' + scriptCache.get(p);
      }
      await page.evaluateOnNewDocument(source);
      slot = { page, key };
    }
    try {
      await slot.page.goto(url);
      const results = await slot.page.evaluate(() => new Promise((resolve, reject) => {
        let tries = 0;
        const attempt = () => {
          if (!window.daisy || !window.daisy.ace || !window.daisy.ace.run || !window.axe) {
            if (++tries < 15) return setTimeout(attempt, 400);
            return reject(new Error('Ace scripts did not load'));
          }
          window.daisy.ace.run((err, res) => (err ? reject(err) : resolve(res)));
        };
        attempt();
      }));
      idle.push(slot);
      return results;
    } catch (e) {
      await slot.page.close().catch(() => {});
      throw e;
    }
  },
};

// Ace's own runner, with its browser launched once and closed at the end
let launched = false;
const shared = Object.create(runner);
shared.launch = async () => {
  if (!launched) {
    await runner.launch();
    launched = true;
  }
};
shared.close = async () => {};
const use = process.env.ACE_RUNNER === 'ace' ? shared : fast;

async function main() {
  let bad = 0;
  let failed = 0;
  const books = process.argv.slice(2);
  for (const book of books) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bisheng-ace-'));
    try {
      const job = await ace(book, { cwd: process.cwd(), outdir: out, silent: true, jobId: '', lang: 'en' }, use);
      const report = job[1];
      for (const doc of report.assertions || []) {
        for (const a of doc.assertions || []) {
          if (a['earl:result']['earl:outcome'] !== 'fail') continue;
          const html = (a['earl:result'].html || '').replace(/\s+/g, ' ').slice(0, 160);
          console.log(`ace: ${path.basename(book)}: ${a['earl:test']['dct:title']} (${a['earl:test']['earl:impact']}) in ${doc['earl:testSubject'].url}: ${html}`);
          bad++;
        }
      }
    } catch (e) {
      console.log(`ace: ${path.basename(book)}: Ace failed: ${e && e.message ? e.message : e}`);
      failed++;
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  if (launched) await runner.close();
  if (browser) await browser.close();
  if (!bad && !failed) console.log(`ace clean: ${books.length} files`);
  return failed ? 2 : bad ? 1 : 0;
}

main().then(code => process.exit(code), e => {
  console.log(`ace: ${e && e.message ? e.message : e}`);
  process.exit(2);
});
