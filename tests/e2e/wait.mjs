// Waiting in the end-to-end scripts: poll a condition until it holds or time runs out, and say
// what was awaited (and the last error seen) when it never does.

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
