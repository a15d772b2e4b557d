#!/usr/bin/env node
// Runs every check of the har-validator package (the HAR 1.2 JSON schema)
// on each file given, plus the two things the Firefox importer dereferences
// without checking (log.pages and entry.cache). Exit 0 when all pass.
'use strict';
const fs = require('fs');
const validate = require('har-validator');

async function check(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (text[0] !== '{') throw new Error('does not start with "{" (mitmproxy sniffs that)');
  const har = JSON.parse(text);
  await validate.har(har);
  if (!Array.isArray(har.log.pages)) throw new Error('log.pages is not an array');
  har.log.entries.forEach((e, i) => {
    if (typeof e.cache !== 'object' || e.cache === null) throw new Error(`entries[${i}].cache missing`);
    for (const t of ['send', 'wait', 'receive'])
      if (!(e.timings[t] >= 0)) throw new Error(`entries[${i}].timings.${t} must be >= 0`);
  });
  return har.log.entries.length;
}

(async () => {
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    try {
      const n = await check(file);
      console.log(`ok   ${file} (${n} entries)`);
    } catch (e) {
      failed++;
      const details = e.errors ? JSON.stringify(e.errors, null, 1) : '';
      console.log(`FAIL ${file}: ${e.message} ${details}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
