"use client";
// "Get started" on a new organization: its first steps, ticked off as they
// happen. Hiding it is this browser's choice (kept per organization).
import { CheckCircle2, Circle } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { OnboardingStep } from "@/lib/orgs/onboarding";

export function OnboardingChecklist({ orgId, steps }: { orgId: string; steps: OnboardingStep[] }) {
  const storageKey = `tollgate.onboarding.hidden.${orgId}`;
  const [hidden, setHidden] = useState(false);
  useEffect(() => setHidden(localStorage.getItem(storageKey) === "1"), [storageKey]);
  if (hidden) return null;
  const done = steps.filter((s) => s.done).length;
  return (
    <Card aria-labelledby="onboarding-title">
      <CardHeader className="flex flex-row items-start justify-between gap-4">
        <div className="grid gap-1">
          <CardTitle asChild>
            <h2 id="onboarding-title">Get started</h2>
          </CardTitle>
          <CardDescription>
            {done} of {steps.length} done. Each step ticks itself off when it happens.
          </CardDescription>
        </div>
        <Button
          variant="ghost"
          size="sm"
          onClick={() => {
            localStorage.setItem(storageKey, "1");
            setHidden(true);
          }}
        >
          Hide
        </Button>
      </CardHeader>
      <CardContent className="grid gap-4">
        <div role="progressbar" aria-label="Steps done" aria-valuemin={0} aria-valuemax={steps.length} aria-valuenow={done} className="h-2 overflow-hidden rounded-full bg-muted">
          <div className="h-full rounded-full bg-primary transition-all" style={{ width: `${(done / steps.length) * 100}%` }} />
        </div>
        <ol className="grid gap-3 sm:grid-cols-2" aria-label="Steps">
          {steps.map((step) => (
            <li key={step.key} className="flex gap-3" data-testid={`onboarding-${step.key}`} data-done={step.done}>
              {step.done ? <CheckCircle2 className="mt-0.5 size-5 shrink-0 text-success" aria-hidden="true" /> : <Circle className="mt-0.5 size-5 shrink-0 text-muted-foreground" aria-hidden="true" />}
              <div className="grid gap-0.5">
                <Link href={step.href} className={step.done ? "text-sm font-medium text-muted-foreground line-through" : "text-sm font-medium underline-offset-4 hover:underline"}>
                  {step.title}
                  <span className="sr-only">{step.done ? " (done)" : " (to do)"}</span>
                </Link>
                <p className="text-xs text-muted-foreground">{step.description}</p>
              </div>
            </li>
          ))}
        </ol>
      </CardContent>
    </Card>
  );
}
