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
const ace = need('@daisy/ace-core');
const runner = need('@daisy/ace-axe-runner-puppeteer');
need('@daisy/ace-logger').initLogger({ verbose: false, silent: true });

// the runner launches and closes its browser around each book: launch once, close at the end
let launched = false;
const shared = Object.create(runner);
shared.launch = async () => {
  if (!launched) {
    await runner.launch();
    launched = true;
  }
};
shared.close = async () => {};

async function main() {
  let bad = 0;
  let failed = 0;
  const books = process.argv.slice(2);
  for (const book of books) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bisheng-ace-'));
    try {
      const job = await ace(book, { cwd: process.cwd(), outdir: out, silent: true, jobId: '', lang: 'en' }, shared);
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
  if (!bad && !failed) console.log(`ace clean: ${books.length} files`);
  return failed ? 2 : bad ? 1 : 0;
}

main().then(code => process.exit(code), e => {
  console.log(`ace: ${e && e.message ? e.message : e}`);
  process.exit(2);
});
