// Writes given.txt and surname.txt from @faker-js/faker's locale data (see
// names_given.txt). Run from a directory holding the unpacked npm tarball:
//   npm pack @faker-js/faker@10.6.0 && tar xzf faker-js-faker-10.6.0.tgz && node names_extract.mjs
import { allLocales } from './package/dist/index.js';
import fs from 'fs';
const flat = (v) => v == null ? [] : Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v).flatMap(flat) : [];
const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g,'ss').replace(/ø/g,'o').replace(/Ø/g,'O').replace(/æ/g,'ae').replace(/ł/g,'l').replace(/Ł/g,'L').replace(/đ/g,'d').replace(/Đ/g,'D').replace(/ı/g,'i');
// Cyrillic (ru, uk, mk) and Greek (el) names transliterated the way English
// text usually spells them (Tchaikovsky-style -y for -ий/-ый).
const tr = {'а':'a','б':'b','в':'v','г':'g','ґ':'g','д':'d','ѓ':'g','е':'e','ё':'e','є':'ye','ж':'zh','з':'z','ѕ':'dz','и':'i','і':'i','ї':'yi','й':'y','ј':'j','к':'k','ќ':'k','л':'l','љ':'lj','м':'m','н':'n','њ':'nj','о':'o','п':'p','р':'r','с':'s','т':'t','у':'u','ф':'f','х':'kh','ц':'ts','ч':'ch','џ':'dzh','ш':'sh','щ':'shch','ъ':'','ы':'y','ь':'','э':'e','ю':'yu','я':'ya',
  'α':'a','β':'v','γ':'g','δ':'d','ε':'e','ζ':'z','η':'i','θ':'th','ι':'i','κ':'k','λ':'l','μ':'m','ν':'n','ξ':'x','ο':'o','π':'p','ρ':'r','σ':'s','ς':'s','τ':'t','υ':'y','φ':'f','χ':'ch','ψ':'ps','ω':'o'};
const translit = (w) => {
  if (!/[\u0370-\u03ff\u0400-\u04ff]/.test(w)) return w;
  let x = w.normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC').toLowerCase().replace(/ий$|ый$/, 'y').replace(/ου/g, 'ou');
  let o = '';
  for (const c of x) { if (!(c in tr)) return ''; o += tr[c]; }
  return o.charAt(0).toUpperCase() + o.slice(1);
};
const given = new Map(), sur = new Map();
const ok = /^[A-Z][a-z]+$/;
for (const [loc, v] of Object.entries(allLocales)) {
  const p = v.person || {};
  for (const [key, dst] of [['first_name', given], ['middle_name', given], ['last_name', sur]]) {
    for (const raw of flat(p[key])) {
      for (const part of String(raw).split(/[\s-]+/)) {
        const w = fold(translit(part));
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
