"use server";
import { z } from "zod";
import { userAction } from "@/lib/http/actions";
import { runJobNow } from "@/lib/jobs/jobs";

export const runJobNowAction = userAction((ctx, name: unknown) => runJobNow(ctx, z.string().max(100).parse(name)));
