#!/usr/bin/env node
// The lens benchmark's transformation in JSONata (npm `jsonata`, pinned in package.json), timed
// like backend/migrate/benches/lens.rs: the same config (config.json, about 1 KB), the same
// output (expected.json, which a Rust unit test checks the lens gives), the expression compiled
// once. Two JSONata formulations are timed (transform.jsonata with transform operators, and
// transform-merge.jsonata built with $merge/$sift); a hand-written JavaScript function is timed
// too, for scale.
//
//     npm ci && node bench.js [--seconds 5] [--criterion DIR] [--out results.json]
//
// --criterion DIR: criterion's output directory (target/criterion) after
// `cargo bench -p versiqii-migrate --bench lens`; prints the lens side by side and the ratios.
'use strict';

const fs = require('fs');
const path = require('path');
const util = require('util');
const jsonata = require('jsonata');

const here = __dirname;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const seconds = Number(option('--seconds', '5'));
const criterionDir = option('--criterion', null);
const outFile = option('--out', null);

const configText = JSON.stringify(JSON.parse(fs.readFileSync(path.join(here, 'config.json'), 'utf8')));
const config = JSON.parse(configText);
const expected = JSON.parse(fs.readFileSync(path.join(here, 'expected.json'), 'utf8'));

// The plain-JavaScript reference: the lens's eight steps by hand, on a copy.
function byHand(input) {
  const doc = { ...input };
  if ('timeout' in doc) { doc.timeout_ms = doc.timeout; delete doc.timeout; }
  if (!('retries' in doc)) doc.retries = 3;
  delete doc.legacy_mode;
  if (doc.database && typeof doc.database === 'object') {
    const db = { ...doc.database };
    if ('host' in db) { db.hostname = db.host; delete db.host; }
    if ('port' in db) { doc.port = db.port; delete db.port; }
    doc.database = db;
  }
  if ('cert' in doc) { doc.tls = { ...(doc.tls || {}), cert: doc.cert }; delete doc.cert; }
  if (Array.isArray(doc.endpoints)) {
    doc.endpoints = doc.endpoints.map((e) => {
      if (!e || !('url' in e)) return e;
      const { url, ...rest } = e;
      return { ...rest, uri: url };
    });
  }
  if ('mode' in doc) {
    const modes = { fast: 'speedy', safe: 'careful' };
    if (!(doc.mode in modes)) throw new Error(`no mapping for ${doc.mode}`);
    doc.mode = modes[doc.mode];
  }
  return doc;
}

const variants = [
  ...['transform.jsonata', 'transform-merge.jsonata'].map((file) => {
    const expression = jsonata(fs.readFileSync(path.join(here, file), 'utf8'));
    return { name: `jsonata ${file}`, run: (doc) => expression.evaluate(doc), async: true };
  }),
  { name: 'plain JavaScript (reference)', run: byHand, async: false },
];

// Times `fn` (one config per call) in batches for about `seconds` after a warm-up; returns the
// median ns/config over the batches.
async function time(fn, isAsync) {
  const batch = async (n) => {
    const start = process.hrtime.bigint();
    if (isAsync) for (let i = 0; i < n; i++) await fn();
    else for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - start) / n;
  };
  let n = 16;
  while ((await batch(n)) * n < 20e6) n *= 2; // batches of at least ~20 ms
  const warm = Date.now() + 1000; // one second of warm-up, for the JIT
  while (Date.now() < warm) await batch(n);
  const samples = [];
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until || samples.length < 10) samples.push(await batch(n));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function criterionMedian(name) {
  if (!criterionDir) return null;
  const file = path.join(criterionDir, 'lens', name, 'new', 'estimates.json');
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')).median.point_estimate;
}

const fmt = (ns) => (ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const rate = (ns) => `${Math.round(1e9 / ns).toLocaleString('en-US')} configs/s`;

(async () => {
  // Same output first: JSONata's result must deep-equal expected.json (JSON round trip drops
  // JSONata's internal array flags; key order does not matter).
  for (const v of variants) {
    const output = JSON.parse(JSON.stringify(await v.run(config)));
    if (!util.isDeepStrictEqual(output, expected)) {
      console.error(`${v.name}: output differs from expected.json:\n${JSON.stringify(output, null, 2)}`);
      process.exit(1);
    }
  }
  console.log(`config: ${configText.length} bytes compact JSON; node ${process.version}; ${seconds} s per measurement`);
  console.log('all variants give expected.json\n');

  const results = {};
  for (const v of variants) {
    const parsed = await time(() => v.run(config), v.async);
    const text = await time(
      v.async
        ? async () => JSON.stringify(await v.run(JSON.parse(configText)))
        : () => JSON.stringify(v.run(JSON.parse(configText))),
      v.async,
    );
    results[v.name] = { parsed_ns: parsed, text_ns: text };
    console.log(`${v.name}`);
    console.log(`  on a parsed object:                     ${fmt(parsed).padStart(10)}  ${rate(parsed)}`);
    console.log(`  text: JSON.parse, evaluate, stringify:  ${fmt(text).padStart(10)}  ${rate(text)}`);
  }
  const parseOnly = await time(() => JSON.stringify(JSON.parse(configText)), false);
  results['JSON.parse + JSON.stringify only'] = { text_ns: parseOnly };
  console.log(`JSON.parse + JSON.stringify alone:          ${fmt(parseOnly).padStart(10)}`);

  const lensParsed = criterionMedian('apply_up');
  const lensText = criterionMedian('parse_apply_serialize');
  if (lensParsed && lensText) {
    results['lens (criterion median)'] = { parsed_ns: lensParsed, text_ns: lensText };
    const jsonataOnly = Object.entries(results).filter(([name]) => name.startsWith('jsonata'));
    const best = (key) => Math.min(...jsonataOnly.map(([, r]) => r[key]));
    const rows = [
      ['', 'lens (Rust)', 'JSONata (fastest)', 'JSONata / lens'],
      ['on a parsed document', fmt(lensParsed), fmt(best('parsed_ns')), `${(best('parsed_ns') / lensParsed).toFixed(1)}x`],
      ['text in, text out', fmt(lensText), fmt(best('text_ns')), `${(best('text_ns') / lensText).toFixed(1)}x`],
    ];
    console.log('\nside by side (per config):');
    for (const row of rows) {
      console.log(`  ${row[0].padEnd(22)} ${row[1].padStart(12)} ${row[2].padStart(18)} ${row[3].padStart(15)}`);
    }
    console.log(`  lens throughput: ${rate(lensParsed)} (parsed), ${rate(lensText)} (text)`);
  } else if (criterionDir) {
    console.log(`\nno criterion results under ${criterionDir}/lens (run cargo bench -p versiqii-migrate --bench lens)`);
  }
  if (outFile) fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
