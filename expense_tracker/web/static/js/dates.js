// Dates: the API speaks YYYY-MM-DD (calendar dates) and UTC timestamps; people read them
// in their own locale. Calendar dates are formatted as such, never shifted by a time zone.

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const monthFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", timeZone: "UTC" });
const timestampFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function calendar(text) {
  const [year, month, day] = String(text).split("-").map(Number);
  return new Date(Date.UTC(year, (month || 1) - 1, day || 1));
}

/** "2025-11-27" -> "Nov 27, 2025" (en-US), "27.11.2025" (de-DE). */
export function formatDate(text) {
  return text ? dateFormat.format(calendar(text)) : "";
}

/** "2025-11" -> "Nov 2025". */
export function formatMonth(text) {
  return text ? monthFormat.format(calendar(`${text}-01`)) : "";
}

/** A UTC timestamp, in the browser's time zone. */
export function formatTimestamp(text) {
  return text ? timestampFormat.format(new Date(text)) : "";
}

/** Today in the person's own time zone, as YYYY-MM-DD (the default date of a new expense). */
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** A UTC timestamp relative to now: "5 minutes ago", "vor 2 Stunden"; "now" under a minute. */
export function relative(text, now = Date.now()) {
  if (!text) return "";
  const seconds = Math.round((new Date(text).getTime() - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.trunc(seconds / size), unit);
  }
  return relativeFormat.format(0, "second");
}
