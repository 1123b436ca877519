// A form's error as a whole (field errors sit under their fields instead).
import { Alert, AlertDescription } from "@/components/ui/alert";

export function FormAlert({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <Alert variant="destructive">
      <AlertDescription>{message}</AlertDescription>
    </Alert>
  );
}
