"use server";
import { z } from "zod";
import { updateBillingSettings } from "@/lib/billing/billing-settings";
import { archivePlan, createPlan } from "@/lib/billing/plans";
import { userAction } from "@/lib/http/actions";

export const archivePlanAction = userAction((ctx, key: unknown) => archivePlan(ctx, z.string().max(100).parse(key)));

export const updateBillingSettingsAction = userAction((ctx, input: unknown) => updateBillingSettings(ctx, input));
export const createPlanAction = userAction((ctx, input: unknown) => createPlan(ctx, input));
