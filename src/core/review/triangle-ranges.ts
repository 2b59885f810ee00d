/** Row ranges splitting the upper triangle of n rows into parts of about equal work. */
export function triangleRanges(n: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let i = 1; i <= parts; i++) {
    const end = i === parts ? n : Math.round(n * (1 - Math.sqrt(1 - i / parts)));
    if (end > start) out.push([start, end]);
    start = Math.max(start, end);
  }
  return out;
}
