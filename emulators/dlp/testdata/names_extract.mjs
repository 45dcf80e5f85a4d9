// Writes given.txt and surname.txt from @faker-js/faker's locale data (see
// names_given.txt). Run from a directory holding the unpacked npm tarball:
//   npm pack @faker-js/faker@10.6.0 && tar xzf faker-js-faker-10.6.0.tgz && node names_extract.mjs
import { allLocales } from './package/dist/index.js';
import fs from 'fs';
const flat = (v) => v == null ? [] : Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v).flatMap(flat) : [];
const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g,'ss').replace(/ø/g,'o').replace(/Ø/g,'O').replace(/æ/g,'ae').replace(/ł/g,'l').replace(/Ł/g,'L').replace(/đ/g,'d').replace(/Đ/g,'D').replace(/ı/g,'i');
const given = new Map(), sur = new Map();
const ok = /^[A-Z][a-z]+$/;
for (const [loc, v] of Object.entries(allLocales)) {
  const p = v.person || {};
  for (const [key, dst] of [['first_name', given], ['middle_name', given], ['last_name', sur]]) {
    for (const raw of flat(p[key])) {
      for (const part of String(raw).split(/[\s-]+/)) {
        const w = fold(part);
        if (!ok.test(w)) continue;
        if (!dst.has(w)) dst.set(w, new Set());
        dst.get(w).add(loc);
      }
    }
  }
}
fs.writeFileSync('given.txt', [...given.keys()].sort().join('\n') + '\n');
fs.writeFileSync('surname.txt', [...sur.keys()].sort().join('\n') + '\n');
console.log(given.size, sur.size);
