// Times the JS SCIM anchors on scimkit's benchmark inputs (exported by
// `cargo run --release -p benches --bin export-inputs`), checking every answer against the
// hand-written Rust baseline's. Prints one JSON line per measurement (median ns per operation)
// plus VERDICT lines. Run through ./run.sh.
import { readFileSync } from "node:fs";
import { scimPatch } from "scim-patch";
import { parse, filter } from "scim2-parse-filter";
import equal from "fast-deep-equal";

const dir = new URL("./inputs/", import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(name, dir), "utf8"));
const quick = process.argv.includes("--quick");

/** Median ns per call of `fn` over `rounds` rounds of about `ms` each, after a warm-up. */
function time(fn, { rounds = quick ? 3 : 7, ms = quick ? 100 : 300, setup } = {}) {
  const runFor = (budgetNs) => {
    let n = 0, spent = 0n;
    const start = process.hrtime.bigint();
    // Setup (a fresh copy) is outside `spent`; the wall-clock cap keeps big copies affordable.
    while (spent < budgetNs && (n < 3 || process.hrtime.bigint() - start < 5n * budgetNs)) {
      const input = setup ? setup() : undefined;
      const t0 = process.hrtime.bigint();
      fn(input);
      spent += process.hrtime.bigint() - t0;
      n++;
    }
    return Number(spent) / n;
  };
  runFor(BigInt(ms) * 1_000_000n); // warm-up: lets V8 optimise
  const samples = [];
  for (let i = 0; i < rounds; i++) samples.push(runFor(BigInt(ms) * 1_000_000n));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const report = (group, name, impl, ns, extra = {}) =>
  console.log(JSON.stringify({ group, name, impl, ns: Math.round(ns), ...extra }));
const verdict = (area, name, peer, what) => console.log(`VERDICT ${area} ${name} ${peer}: ${what}`);

// ---- filters -------------------------------------------------------------------------------
const filters = load("filters.json");
const users = load("users.json");
for (const f of filters) {
  let ast;
  try {
    ast = parse(f.text);
  } catch (e) {
    verdict("parse", f.name, "scim2-parse-filter", `REJECTS: ${String(e.message ?? e).slice(0, 120)}`);
    continue;
  }
  report("filter_parse", f.name, "scim2-parse-filter", time(() => parse(f.text)));
  const pred = filter(ast);
  let hits = 0, errors = 0;
  for (const u of users) {
    try { if (pred(u)) hits++; } catch { errors++; }
  }
  verdict("eval", f.name, "scim2-parse-filter",
    hits === f.matches && errors === 0 ? `correct (${hits} matches)`
      : `WRONG: ${hits} matches, expected ${f.matches}; ${errors} errors`);
  const ns = time(() => {
    let n = 0;
    for (const u of users) if (pred(u)) n++;
    return n;
  }, { rounds: quick ? 3 : 5, ms: 1 });
  report("filter_eval_100k", f.name, "scim2-parse-filter", ns, { per_user_ns: +(ns / users.length).toFixed(1) });
}

// ---- PATCH ---------------------------------------------------------------------------------
const patches = load("patches.json");
for (const p of patches) {
  const ops = p.request.Operations;
  let got;
  try {
    got = scimPatch(structuredClone(p.resource), ops);
  } catch (e) {
    verdict("patch", p.name, "scim-patch", `REJECTS: ${String(e.message ?? e).slice(0, 160)}`);
    continue;
  }
  if (equal(got, p.expected)) {
    verdict("patch", p.name, "scim-patch", "correct");
  } else {
    const show = (v) => JSON.stringify(v)?.slice(0, 100);
    const diffs = Object.keys({ ...got, ...p.expected })
      .filter((k) => !equal(got[k], p.expected[k]))
      .map((k) => {
        const [g, e] = [got[k], p.expected[k]];
        if (Array.isArray(g) && Array.isArray(e)) {
          const i = g.findIndex((x, j) => !equal(x, e[j]));
          const at = i < 0 ? e.length : i;
          return `\`${k}\`: ${g.length} elements instead of ${e.length}; [${at}] is ${show(g[at])} instead of ${show(e[at])}`;
        }
        return `\`${k}\`: ${show(g)} instead of ${show(e)}`;
      });
    verdict("patch", p.name, "scim-patch", `WRONG: ${diffs.join("; ")}`);
  }
  // In place (its default, `mutateDocument: true`) on a fresh copy made outside the timing:
  // what scimkit's in-place apply is compared with.
  report("patch_apply", p.name, "scim-patch", time((r) => scimPatch(r, ops, { mutateDocument: true, treatMissingAsAdd: true }), {
    setup: () => structuredClone(p.resource),
  }));
  // Atomic like scimkit (`mutateDocument: false`: scim-patch copies the resource, then patches
  // the copy; the original is untouched if an operation fails).
  report("patch_apply", p.name, "scim-patch_copy", time(() => scimPatch(p.resource, ops, { mutateDocument: false, treatMissingAsAdd: true })));
}
