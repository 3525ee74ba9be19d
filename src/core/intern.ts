// Equal values made one object: the cells of a matrix share most of their recipe (packages,
// settings, expectations), and at 100,000 cells separate copies cost hundreds of megabytes.
// Interned values are shared, so they must never be changed in place.
export class Interner {
  private readonly seen = new Map<string, unknown>();

  of<T>(value: T): T {
    const key = JSON.stringify(value);
    const hit = this.seen.get(key);
    if (hit !== undefined) return hit as T;
    this.seen.set(key, value);
    return value;
  }
}
