/** The retirement's date and window, with no import: command flags read them at start-up. */

/**
 * Salesforce retires the OAuth 2.0 username-password flow for Connected Apps on this day: "Identify affected
 * integrations and migrate … before February 20, 2027 … Salesforce doesn't offer an extension or exception
 * process" (Knowledge article 005461976, https://help.salesforce.com/s/articleView?id=005461976&type=1).
 */
export const RETIREMENT_DATE = '2027-02-20';

const DAY_MS = 86_400_000;

/** Whole days from `now` to the retirement (0 on the day, negative after it). */
export const daysToRetirement = (now: number): number =>
  Math.ceil((Date.parse(`${RETIREMENT_DATE}T00:00:00Z`) - now) / DAY_MS);

/**
 * The window of Login History read: 30 days unless asked; at most about six months, what Login History keeps
 * (docs/research/password-flow.md §4: the common claim, no Salesforce page states it).
 */
export const LOGIN_WINDOW_DAYS = { default: 30, max: 180 };
