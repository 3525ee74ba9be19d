// mvdan-sh ships no types; only what shell-words.ts uses.
declare module "mvdan-sh" {
  interface Syntax {
    NewParser(...options: unknown[]): { Parse(src: string, name: string): unknown };
    Variant(lang: number): unknown;
    LangPOSIX: number;
    NodeType(node: unknown): string;
    // biome-ignore lint/suspicious/noExplicitAny: the parser's node types are not declared; shell-words.ts narrows them by NodeType.
    Walk(node: unknown, visit: (node: any) => boolean): void;
  }
  const sh: { syntax: Syntax };
  export default sh;
}
