"use server";
import { z } from "zod";
import { revealOutboxMail } from "@/lib/admin/instance-admin";
import { userAction } from "@/lib/http/actions";

export const revealOutboxMailAction = userAction((ctx, outboxId: string) => revealOutboxMail(ctx, z.uuid("Unknown mail").parse(outboxId)));
