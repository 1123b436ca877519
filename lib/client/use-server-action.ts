"use client";
// Runs a server action through react-query: pending state, the action's own
// error message, and a refresh of the server-rendered page on success.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { toast } from "@/components/ui/toaster";
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

type Options<T> = {
  onSuccess?: (data: T) => void;
  refresh?: boolean;
  /** Confirms the change in a toast ("Project created"). */
  successToast?: string | ((data: T) => string);
  /** Says a refusal in a toast too: for controls with no room for a message beside them. */
  errorToast?: boolean;
  onError?: (error: ActionError) => void;
};

export function useServerAction<I, T>(action: (input: I) => Promise<ActionResult<T>>, options: Options<T> = {}) {
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
      if (options.successToast) toast.success(typeof options.successToast === "string" ? options.successToast : options.successToast(data));
      options.onSuccess?.(data);
      if (options.refresh !== false) router.refresh();
    },
    onError: (error) => {
      if (options.errorToast) toast.error(error.message);
      options.onError?.(error);
    },
  });
}
