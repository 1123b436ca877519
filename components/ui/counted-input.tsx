"use client";
// A text field with a limit that says how much room is left once the text
// nears it (from 80 % of maxLength), politely announced to screen readers.
import { useState, type ChangeEvent } from "react";
import { Input, type InputProps } from "./input";
import { Textarea } from "./textarea";

const NEAR = 0.8;

function useCount(props: { id?: string; maxLength?: number; defaultValue?: unknown; value?: unknown; "aria-describedby"?: string }) {
  const initial = typeof props.value === "string" ? props.value.length : typeof props.defaultValue === "string" ? props.defaultValue.length : 0;
  const [length, setLength] = useState(initial);
  const max = props.maxLength;
  const near = max !== undefined && length >= Math.floor(max * NEAR);
  const countId = props.id ? `${props.id}-count` : undefined;
  const describedBy = [props["aria-describedby"], near ? countId : undefined].filter(Boolean).join(" ") || undefined;
  const note = near ? (
    <p id={countId} className={length >= max! ? "text-xs text-destructive" : "text-xs text-muted-foreground"} aria-live="polite">
      {length >= max! ? `${max} characters: the limit` : `${max! - length} characters left`}
    </p>
  ) : (
    <span aria-live="polite" className="sr-only" />
  );
  return { describedBy, note, track: (text: string) => setLength(text.length) };
}

export function CountedInput(props: InputProps) {
  const { describedBy, note, track } = useCount(props);
  return (
    <>
      <Input
        {...props}
        aria-describedby={describedBy}
        onChange={(e: ChangeEvent<HTMLInputElement>) => {
          track(e.target.value);
          props.onChange?.(e);
        }}
      />
      {note}
    </>
  );
}

export function CountedTextarea(props: React.ComponentProps<typeof Textarea>) {
  const { describedBy, note, track } = useCount(props);
  return (
    <>
      <Textarea
        {...props}
        aria-describedby={describedBy}
        onChange={(e: ChangeEvent<HTMLTextAreaElement>) => {
          track(e.target.value);
          props.onChange?.(e);
        }}
      />
      {note}
    </>
  );
}
