/** The characters the record reader (record-reader.ts) tells apart, by UTF-16 code unit. */
export enum Ch {
  Tab = 9,
  LineFeed = 10,
  CarriageReturn = 13,
  Space = 32,
  Quote = 34,
  Comma = 44,
  Minus = 45,
  Digit0 = 48,
  Digit9 = 57,
  Backslash = 92,
  OpenBracket = 91,
  CloseBracket = 93,
  LowerF = 102,
  LowerN = 110,
  LowerT = 116,
  OpenBrace = 123,
  CloseBrace = 125,
  Bom = 0xfeff,
}

export function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.LineFeed || c === Ch.CarriageReturn || c === Ch.Tab;
}

/** `"`, `-`, a digit, or the first letter of `null` / `true` / `false`. */
export function startsJsonScalar(c: number): boolean {
  return (
    c === Ch.Quote ||
    c === Ch.Minus ||
    (c >= Ch.Digit0 && c <= Ch.Digit9) ||
    c === Ch.LowerN ||
    c === Ch.LowerT ||
    c === Ch.LowerF
  );
}
