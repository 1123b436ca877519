import type { Metadata } from "next";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { requirePageUser } from "@/lib/http/page-context";
import { organizationSuggestion } from "@/lib/orgs/suggest-name";
import { CreateOrganizationForm } from "./create-organization-form";

export const metadata: Metadata = { title: "New organization" };

export default async function NewOrganizationPage() {
  const suggestion = await organizationSuggestion(await requirePageUser());
  return (
    <Card className="mx-auto max-w-lg">
      <CardHeader>
        <CardTitle asChild>
          <h1>Create an organization</h1>
        </CardTitle>
        <CardDescription>An organization holds your team, its access rules and its usage. You will be its owner.</CardDescription>
      </CardHeader>
      <CardContent>
        <CreateOrganizationForm suggestion={suggestion} />
      </CardContent>
    </Card>
  );
}
