import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { requirePageUser } from "@/lib/http/page-context";
import { jobsOverview } from "@/lib/jobs/jobs";
import { RunNowButton } from "./run-now-button";

export const metadata: Metadata = { title: "Jobs" };
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });
const STATE_VARIANT: Record<string, "default" | "secondary" | "destructive" | "outline"> = { completed: "secondary", failed: "destructive", active: "default", retry: "outline" };

/** A failed job's output is pg-boss's record of the error: its message is what an admin needs. */
function outcome(output: unknown): string {
  if (!output || typeof output !== "object") return "";
  const o = output as { message?: unknown };
  return typeof o.message === "string" ? o.message : JSON.stringify(output).slice(0, 200);
}

export default async function JobsPage() {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const jobs = await jobsOverview(ctx);
  return (
    <div className="grid gap-6">
      <PageHeader title="Jobs" description="Background work, run by pg-boss in the app's database: each job is idempotent and retried with backoff when it fails. Times are UTC." />
      {jobs.map((job) => (
        <Card key={job.name} data-testid={`job-${job.name}`}>
          <CardHeader className="flex flex-row items-start justify-between gap-4">
            <div className="grid min-w-0 gap-1">
              <CardTitle>{job.title}</CardTitle>
              <CardDescription className="[overflow-wrap:anywhere]">
                {job.description} {job.schedule ? <span className="font-mono">Runs on cron {job.schedule} (UTC).</span> : "Runs on demand."}
              </CardDescription>
              <p className="text-sm" data-testid="job-counts">
                {job.queued} waiting · {job.active} running · <span className={job.failedLastWeek ? "font-medium text-destructive" : undefined}>{job.failedLastWeek} failed in the last 7 days</span>
              </p>
            </div>
            <RunNowButton name={job.name} title={job.title} />
          </CardHeader>
          <CardContent>
            {job.lastRuns.length === 0 ? (
              <p className="text-sm text-muted-foreground">Not run yet.</p>
            ) : (
              <Table aria-label={`Last runs of ${job.title}`}>
                <TableHeader>
                  <TableRow>
                    <TableHead>Queued</TableHead>
                    <TableHead>State</TableHead>
                    <TableHead>Finished</TableHead>
                    <TableHead>Retries</TableHead>
                    <TableHead>Outcome</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {job.lastRuns.map((run) => (
                    <TableRow key={run.id}>
                      <TableCell className="whitespace-nowrap">{timeFormat.format(run.createdOn)}</TableCell>
                      <TableCell>
                        <Badge variant={STATE_VARIANT[run.state] ?? "outline"}>{run.state}</Badge>
                      </TableCell>
                      <TableCell className="whitespace-nowrap">{run.completedOn ? timeFormat.format(run.completedOn) : "—"}</TableCell>
                      <TableCell>{run.retryCount}</TableCell>
                      <TableCell className="max-w-md truncate font-mono text-xs" title={outcome(run.output)}>
                        {outcome(run.output) || "—"}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
      ))}
    </div>
  );
}
