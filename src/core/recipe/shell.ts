// Quoting for values that land in Dockerfile RUN lines (POSIX sh).

/** One shell word: bare when it is plainly safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (/[\u0000-\u001f\u007f]/.test(word)) {
    // The schema rejects these; reaching here is a bug, not bad input.
    throw new Error(`refusing to quote a value with control characters: ${JSON.stringify(word)}`);
  }
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export const shellWords = (words: readonly string[]): string => words.map(shellQuote).join(" ");
