/** "1 image", "2 images": a count with its noun, agreeing (irregular plurals given: count(n, 'class', 'classes')). */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
