/**
 * Ink turns each row of a frame into a string cell by cell, asking @alcalzone/ansi-tokenize for the
 * codes from one cell's style to the next (diffAnsiCodes): three Sets a cell, ~5000 cells a frame,
 * most of a first frame's time and garbage. Two neighbours almost always have the same style, and
 * from a style to the same style there is nothing to send. scripts/build.mjs puts this in front of
 * diffAnsiCodes in the start-up bundle; a test checks it against the original.
 */
interface AnsiCode {
  code: string;
  endCode: string;
}

/** diffAnsiCodes, answering [] at once when `from` and `to` are the same codes in the same order. */
export function withSameStyleFastPath<C extends AnsiCode>(diff: (from: C[], to: C[]) => C[]): (from: C[], to: C[]) => C[] {
  return (from, to) => {
    if (from === to) return [];
    if (from.length === to.length) {
      let same = true;
      for (let i = 0; i < from.length && same; i++) same = from[i].code === to[i].code && from[i].endCode === to[i].endCode;
      if (same) return [];
    }
    return diff(from, to);
  };
}
