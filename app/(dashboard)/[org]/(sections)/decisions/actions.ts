"use server";
import { orgAction } from "@/lib/http/actions";
import { exportDecisions } from "@/lib/export/export-logs";

export const exportDecisionsAction = orgAction((ctx, input: unknown) => exportDecisions(ctx, input));
