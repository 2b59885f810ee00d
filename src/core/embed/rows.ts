/** The given rows of a row-major matrix of `dim` columns, in that order, as a new matrix. */
export function gatherRows(matrix: Float32Array, dim: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, j) => out.set(matrix.subarray(r * dim, (r + 1) * dim), j * dim));
  return out;
}
