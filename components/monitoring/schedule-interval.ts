/**
 * The longest gap between two firings of an EventBridge Scheduler expression, in whole hours, for
 * alarms that must notice a scheduled run that never happened ("no success for longer than the
 * schedule's interval"). Supports `rate(…)` and the cron forms schedules use here: minutes and
 * hours as values, lists, ranges or steps; any day of the month; days of the week as values, lists
 * or ranges. Anything else (a day of the month, `L`, `W`, `#`, a month or year list) is refused with
 * a message, rather than guessed: a wrong interval would page every day or never.
 * Expression syntax: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */

const HOURS_PER_WEEK = 168;
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Hours, rounded up, of the longest silence between two firings (at least 1). */
export function longestIntervalHours(expression: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unitHours = rate[2]!.startsWith("minute") ? 1 / 60 : rate[2]!.startsWith("hour") ? 1 : 24;
    return Math.max(1, Math.ceil(value * unitHours));
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) throw unsupported(expression, "it is neither rate(…) nor cron(…)");
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw unsupported(expression, "a cron expression has six fields");
  const [, hourField, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!["*", "?"].includes(dayOfMonth) || month !== "*" || year !== "*") {
    throw unsupported(
      expression,
      "only schedules that run on every day of the month, every month and year are supported",
    );
  }
  const hours = expand(hourField, 0, 23, expression);
  const days = ["*", "?"].includes(dayOfWeek)
    ? [0, 1, 2, 3, 4, 5, 6]
    : expand(dayOfWeek, 1, 7, expression, true).map((d) => d - 1);
  const firings = days.flatMap((d) => hours.map((h) => d * 24 + h)).sort((a, b) => a - b);
  let longest = 0;
  firings.forEach((at, i) => {
    const next = i + 1 < firings.length ? firings[i + 1]! : firings[0]! + HOURS_PER_WEEK;
    longest = Math.max(longest, next - at);
  });
  return Math.max(1, longest);
}

function expand(field: string, min: number, max: number, expression: string, dayNames = false): number[] {
  const value = (token: string): number => {
    const named = dayNames ? DAY_NAMES.indexOf(token.toUpperCase()) : -1;
    const n = named >= 0 ? named + 1 : Number(token);
    if (!Number.isInteger(n) || n < min || n > max)
      throw unsupported(expression, `"${token}" is not a value from ${min} to ${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/") as [string, string | undefined];
    const step = stepText === undefined ? 1 : value(stepText);
    let from = min;
    let to = max;
    if (range !== "*") {
      const [a, b] = range.split("-") as [string, string | undefined];
      from = value(a);
      to = b === undefined ? (stepText === undefined ? from : max) : value(b);
    }
    if (to < from) throw unsupported(expression, `range "${range}" runs backwards`);
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

function unsupported(expression: string, why: string): Error {
  return new Error(
    `Cannot tell how often schedule "${expression}" runs (${why}); use rate(…) or a daily/weekly cron such as cron(0 2 * * ? *)`,
  );
}
