// Amounts in minor units shown in their currency, without floating point:
// the integer is split into its major and minor parts as text, and Intl
// formats the exact decimal string.
export function formatMoney(minorUnits: number, currency: string, locale = "en"): string {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  const text = String(Math.abs(minorUnits)).padStart(digits + 1, "0");
  const exact = digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return format.format(`${minorUnits < 0 ? "-" : ""}${exact}` as unknown as number);
}
