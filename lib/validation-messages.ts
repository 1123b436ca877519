// zod's default messages ("Invalid input: expected string, received null")
// in the words people use, for every schema that does not say its own. Set
// once per module graph (the Next.js bundle and the lean router each load
// zod): lib/errors.ts imports this, and every action and route imports that.
import { z } from "zod";

type Issue = z.core.$ZodRawIssue;

const FORMATS: Record<string, string> = {
  email: "Enter a valid email address, e.g. name@example.com",
  uuid: "Choose one from the list",
  url: "Enter a full address, e.g. https://example.com",
  datetime: "Enter a date and time, e.g. 2027-01-31T12:00:00Z",
  date: "Enter a date, e.g. 2027-01-31",
};

const plural = (n: number | bigint, one: string, many: string) => `${n} ${Number(n) === 1 ? one : many}`;

export function peopleMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined || issue.input === null || issue.input === "") return "Required";
      return issue.expected === "boolean" ? "Choose yes or no" : issue.expected === "number" || issue.expected === "int" ? "Enter a number" : undefined;
    case "too_small":
      if (issue.origin === "string") return Number(issue.minimum) <= 1 ? "Required" : `At least ${plural(issue.minimum, "character", "characters")}`;
      if (issue.origin === "array" || issue.origin === "set") return `Give at least ${issue.minimum}`;
      return `At least ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "string") return `At most ${plural(issue.maximum, "character", "characters")}`;
      if (issue.origin === "array" || issue.origin === "set") return `At most ${issue.maximum}`;
      return `At most ${issue.maximum}`;
    case "invalid_format":
      return FORMATS[issue.format] ?? (issue.format === "regex" ? "Not in the expected format" : undefined);
    case "invalid_value":
      return issue.values.length <= 6 ? `Choose one of: ${issue.values.map(String).join(", ")}` : "Choose one from the list";
    default:
      // Unknown keys keep zod's own message, which names them ('Unrecognized key: "secret"').
      return undefined;
  }
}

z.config({ customError: peopleMessage });
