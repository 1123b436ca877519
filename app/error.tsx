"use client";
import { ErrorState } from "@/components/error-state";

export default function RootError(props: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto grid min-h-screen max-w-md content-center px-4">
      <ErrorState {...props} />
    </main>
  );
}
