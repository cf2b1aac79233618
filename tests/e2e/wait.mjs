// What every end-to-end script shares: waiting (poll a condition until it holds or time runs
// out, saying what was awaited and the last error seen when it never does), and named checks
// that print ok or FAIL and end the script with a count and an exit status.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` every `every` ms until it returns something truthy (returned), for at most `ms`. */
export async function until(what, f, ms, every) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(every);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message ?? last}` : ''}`);
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Named checks for one script: `check` runs one and prints ok (with its time) or FAIL (with
 * the error) and goes on; `fail` records a failure outside any check (a broken setup);
 * `finish` prints `LABEL: N passed, M failed` and exits 1 when any failed. */
export function checks(label) {
  const results = [];
  const fail = (name, e) => {
    results.push(false);
    console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
  };
  return {
    async check(name, f) {
      const started = Date.now();
      try {
        await f();
        results.push(true);
        console.log(`  ok   ${name} (${Date.now() - started} ms)`);
      } catch (e) {
        fail(name, e);
      }
    },
    fail,
    finish() {
      const passed = results.filter(Boolean).length;
      console.log(`${label}: ${passed} passed, ${results.length - passed} failed`);
      process.exit(results.length - passed ? 1 : 0);
    },
  };
}
