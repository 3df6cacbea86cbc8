/** Rows read a page at a time (keyset pagination), so a report of any size streams in flat memory without a cursor library. */
export async function* inPages<T>(readPage: (after: T | undefined, limit: number) => Promise<T[]>, pageSize = 1000): AsyncGenerator<T> {
  let after: T | undefined;
  for (;;) {
    const page = await readPage(after, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1];
  }
}
