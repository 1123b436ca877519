"use server";
import { userAction } from "@/lib/http/actions";
import { createOrganization } from "@/lib/orgs/create-organization";

export const createOrganizationAction = userAction((ctx, input: unknown) => createOrganization(ctx, input));
