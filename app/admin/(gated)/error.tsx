"use client";
export { ErrorState as default } from "@/components/error-state";
