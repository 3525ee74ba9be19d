import { closest, distance } from "fastest-levenshtein";

/** Longer words are no typo of a known one, and comparing them would cost time. */
const MAX_WORD = 64;

/** The nearest known word, when it is near enough to be a typo. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  if (known.length === 0 || word.length > MAX_WORD) return undefined;
  const best = closest(word, known as string[]);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}
