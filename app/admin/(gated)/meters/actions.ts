"use server";
import { z } from "zod";
import { userAction } from "@/lib/http/actions";
import { createMeter, deleteMeter } from "@/lib/usage/meters";

export const createMeterAction = userAction((ctx, input: unknown) => createMeter(ctx, input));
export const deleteMeterAction = userAction((ctx, key: unknown) => deleteMeter(ctx, z.string().max(100).parse(key)));
