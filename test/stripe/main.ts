// The local Stripe as a process (e2e, benches): `PORT`, `STRIPE_WEBHOOK_URL`,
// `STRIPE_WEBHOOK_SECRET`, `STRIPE_SECRET_KEY`. Prints `{"url":...}` once it listens.
import { LocalStripe } from "./local-stripe.ts";

const stripe = new LocalStripe({ apiKey: process.env.STRIPE_SECRET_KEY, webhookUrl: process.env.STRIPE_WEBHOOK_URL, webhookSecret: process.env.STRIPE_WEBHOOK_SECRET });
const url = await stripe.listen(Number(process.env.PORT ?? 0));
console.log(JSON.stringify({ url }));
const stop = () => void stripe.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
