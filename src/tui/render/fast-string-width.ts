/**
 * The width of the text the workbench draws, without string-width's grapheme segmentation when it
 * is not needed. Ink, wrap-ansi, slice-ansi and petlab measure every text of every frame with
 * string-width; a string with any non-ASCII character (a box edge, "—", "·", "▸") goes through
 * Intl.Segmenter and an RGI-emoji regex: ~40 µs a call, and ~50 ms for the first (the regex is
 * compiled), a large part of the first frame and of the first keys' frames.
 *
 * Text made only of characters that are one column wide whatever follows them (printable ASCII,
 * Latin, general punctuation, arrows, mathematical operators, box drawing, blocks, geometric
 * shapes — none of them combine into a grapheme or has an emoji presentation) is as wide as it is
 * long. Anything else is undefined here, and string-width measures it (scripts/build.mjs puts this
 * in front of each string-width copy in the start-up bundle; a test checks every character here
 * against string-width).
 */
// colours and styles (SGR); any other escape is left in the text, fails ONE_COLUMN and goes to string-width
// eslint-disable-next-line no-control-regex
const SGR = /\u001B\[[0-9;:]*m/g;

/** Characters one column wide that never join the next into one grapheme (U+00AD, U+0300–036F, U+25FD–25FE left out). */
export const ONE_COLUMN = /^[\u0020-\u007E\u00A0-\u00AC\u00AE-\u02FF\u2010-\u2027\u2030-\u205E\u2190-\u21FF\u2200-\u22FF\u2500-\u25FC\u25FF]*$/;

interface WidthOptions {
  ambiguousIsNarrow?: boolean;
  countAnsiEscapeCodes?: boolean;
}

/** The width when the fast rule knows it, otherwise undefined. */
export function fastStringWidth(input: unknown, options?: WidthOptions): number | undefined {
  if (typeof input !== 'string') return undefined;
  if (options && (options.ambiguousIsNarrow === false || options.countAnsiEscapeCodes)) return undefined;
  const text = input.includes('\u001B') ? input.replace(SGR, '') : input;
  return ONE_COLUMN.test(text) ? text.length : undefined;
}

/** string-width with the fast rule in front of it. */
export function withFastPath(real: (s: string, o?: WidthOptions) => number): (s: string, o?: WidthOptions) => number {
  return (s, o) => fastStringWidth(s, o) ?? real(s, o);
}
