"use server";
import { orgAction } from "@/lib/http/actions";
import { createProject, deleteProject } from "@/lib/projects/projects";

export const createProjectAction = orgAction((ctx, input: unknown) => createProject(ctx, input));
export const deleteProjectAction = orgAction((ctx, input: unknown) => deleteProject(ctx, input));
