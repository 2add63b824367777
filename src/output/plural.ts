/**
 * The message key for a sentence about `count` things: `<key>.one` for 1, `<key>.other` for any other count
 * ("1 warning", "2 warnings", "0 warnings"), by the plural rules of English, the messages' language. A message
 * never writes "warning(s)": each form is a whole sentence in messages/*.md.
 */
export const pluralKey = (key: string, count: number): string =>
  `${key}.${new Intl.PluralRules('en-US').select(count) === 'one' ? 'one' : 'other'}`;
