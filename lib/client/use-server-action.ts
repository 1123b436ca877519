"use client";
// Runs a server action through react-query: pending state, the action's own
// error message, and a refresh of the server-rendered page on success.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type { ActionResult } from "../http/actions";

export class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Messages per invalid field, when the input was refused field by field. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function useServerAction<I, T>(action: (input: I) => Promise<ActionResult<T>>, options: { onSuccess?: (data: T) => void; refresh?: boolean } = {}) {
  const router = useRouter();
  return useMutation<T, ActionError, I>({
    mutationFn: async (input) => {
      let result: ActionResult<T>;
      try {
        result = await action(input);
      } catch {
        throw new ActionError("network", "Could not reach the server. Check your connection and try again.");
      }
      if (!result.ok) throw new ActionError(result.error.code, result.error.message, result.error.fields);
      return result.data;
    },
    onSuccess: (data) => {
      options.onSuccess?.(data);
      if (options.refresh !== false) router.refresh();
    },
  });
}
