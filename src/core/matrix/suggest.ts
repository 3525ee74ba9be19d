import { closest, distance } from "fastest-levenshtein";

/** The nearest known word, when it is near enough to be a typo. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(word, known as string[]);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}
