import { ForbiddenState } from "@/components/forbidden-state";

// An instance-admin page opened by someone else: a 403 inside the shell.
export default function Forbidden() {
  return <ForbiddenState reason="Only instance admins can see this page." />;
}
