/**
 * Reading rendered IAM and resource policies in tests: statements as plain objects, and views that
 * let a test compare a policy exactly (every action with every resource it is granted on).
 */
import { expect } from "vitest";

export interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** A value IAM accepts as one item or a list, always as a list. */
export const listOf = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The statements of a policy document (the JSON string the mocks recorded). */
export function statementsOf(policy: string): Statement[] {
  return (JSON.parse(policy) as { Statement: Statement[] }).Statement;
}

/** Statements keyed by `Sid` (statements without one are left out). */
export function statementsBySid(policy: string): Record<string, Statement> {
  return Object.fromEntries(statementsOf(policy).flatMap((s) => (s.Sid === undefined ? [] : [[s.Sid, s]])));
}

/** `{ action: [resources] }` over every statement, which must all Allow, to compare a policy exactly. */
export function rights(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of statementsOf(policy)) {
    expect(s.Effect).toBe("Allow");
    for (const action of listOf(s.Action))
      out[action] = [...(out[action] ?? []), ...listOf(s.Resource)].sort();
  }
  return out;
}

/** Every action granted on exactly this resource, sorted. */
export function actionsOn(statements: Statement[], resource: string): string[] {
  return statements
    .filter((s) => listOf(s.Resource).includes(resource))
    .flatMap((s) => listOf(s.Action))
    .sort();
}

/** Every action of every statement. */
export function allActions(statements: Statement[]): string[] {
  return statements.flatMap((s) => listOf(s.Action));
}
