// A person's name for a browser: "Chrome on Linux", from its User-Agent.
import Bowser from "bowser";

export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return "Unknown browser";
  const { browser, os } = Bowser.parse(userAgent);
  const name = browser.name || null;
  const system = os.name || null;
  if (name && system) return `${name} on ${system}`;
  if (name || system) return (name ?? `A browser on ${system}`)!;
  return userAgent.length > 40 ? `${userAgent.slice(0, 40)}…` : userAgent;
}
