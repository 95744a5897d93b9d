/**
 * The stack configuration, described once: every key's schema (type, range or pattern, default,
 * description, fix hint) lives in one section file here. `validate-config.ts` checks a stack with
 * them, `PlatformConfig` is derived from them, and the README's config reference is generated from
 * them (`npm run docs:config`; test/config-reference.test.ts fails when the README differs).
 *
 * To add a section (e.g. `network`): write `network.ts` exporting `defineSection({ keys, rules?, build })`
 * and add it to `SECTIONS` below — one line. Its keys are then read, checked and documented, and what
 * its `build` returns (`{ network: … }`) becomes part of `PlatformConfig`. Declare its keys in
 * Pulumi.yaml too (test/config-reference.test.ts checks both agree) and run `npm run docs:config`.
 */
import type { z } from "zod";
import { audit } from "./audit.js";
import { core } from "./core.js";
import { external } from "./external.js";
import { glue } from "./glue.js";
import { network } from "./network.js";
import { pipelines } from "./pipelines.js";
import { salesforce } from "./salesforce.js";
import type { ConfigSection, StackContext } from "./section.js";
import { tokenManager } from "./token-manager.js";

export const SECTIONS = [core, tokenManager, salesforce, audit, pipelines, glue, external, network] as const;

type SectionOutput = ReturnType<(typeof SECTIONS)[number]["build"]>;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;

/** The typed config every section builds, plus the stack's name. */
export type PlatformConfig = { [K in keyof Built]: Built[K] };
type Built = { stack: string } & UnionToIntersection<SectionOutput>;

/** The sections without their individual types, as the validator runs them. */
export const sections = SECTIONS as unknown as readonly ConfigSection<z.ZodRawShape, object>[];

const keysByContext = new Map<string, z.ZodRawShape[]>();

/** Each section's keys for one stack and env, built once: building ~50 zod schemas takes ~10 ms. */
export function sectionKeys(context: StackContext): z.ZodRawShape[] {
  const id = JSON.stringify([context.stack, context.env]);
  let keys = keysByContext.get(id);
  if (!keys) {
    keys = sections.map((section) => section.keys(context));
    keysByContext.set(id, keys);
  }
  return keys;
}

/** Every key's schema, in the order the README lists them. */
export function configKeys(context: StackContext): z.ZodRawShape {
  return Object.assign({}, ...sectionKeys(context));
}
