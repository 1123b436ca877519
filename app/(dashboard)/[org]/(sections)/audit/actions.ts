"use server";
import { orgAction } from "@/lib/http/actions";
import { exportAuditEvents } from "@/lib/export/export-logs";

export const exportAuditAction = orgAction((ctx, input: unknown) => exportAuditEvents(ctx, input));
