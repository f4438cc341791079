import { loadRules } from "../../checks/rules";
import { CLI_ACTOR } from "../models/audit.server";
import { addCustomCheck, customCheckJson, planIdsByName, retireCustomCheck } from "../models/custom-checks.server";
import type { AppContext } from "../utils/context.server";
import { CliError, type CliIo, output, parse } from "./io";

const USAGE =
  'Usage: delight check add --section setup|training|value --question Q [--weight W] [--kind manual|event --event E [--property P --operator equals|contains|is_set --value V] --min-count N --days D] [--plans "A,B"] | check retire ID | check list';

/** `delight check add|retire|list`: the team's own checklist questions. */
export async function checkCommand(ctx: AppContext, args: string[], io: CliIo) {
  const [sub, ...rest] = args;
  if (sub === "add") {
    const { values } = parse(rest, {
      section: { type: "string" },
      question: { type: "string" },
      weight: { type: "string" },
      kind: { type: "string" },
      event: { type: "string" },
      property: { type: "string" },
      operator: { type: "string" },
      value: { type: "string" },
      count: { type: "string" },
      "min-count": { type: "string" },
      days: { type: "string" },
      plans: { type: "string" },
    });
    const planIds = values.plans ? await planIdsByName(ctx.db, values.plans) : [];
    const { check, weight, version } = await addCustomCheck(ctx.db, CLI_ACTOR, {
      section: values.section,
      question: values.question,
      weight: values.weight,
      kind: values.kind ?? (values.event ? "event" : "manual"),
      planIds,
      event: values.event,
      property: values.property,
      operator: values.operator,
      value: values.value,
      count: values.count,
      minCount: values["min-count"],
      days: values.days,
    });
    output(
      io,
      values.json,
      { ...customCheckJson(check, { [check.id]: weight }), scoringVersion: version },
      `Added ${check.id} (${check.kind}, weight ${weight}); scoring version ${version}`,
    );
    return;
  }
  if (sub === "retire") {
    const { values, positionals } = parse(rest, {});
    if (positionals.length !== 1) throw new CliError("Usage: delight check retire ID", 2);
    const { check, version } = await retireCustomCheck(ctx.db, CLI_ACTOR, positionals[0]!);
    output(io, values.json, { ...customCheckJson(check, {}), scoringVersion: version }, `Retired ${check.id}; scoring version ${version}`);
    return;
  }
  if (sub === "list") {
    const { values } = parse(rest, {});
    const rules = await loadRules(ctx.db);
    const list = rules.custom.map((c) => customCheckJson(c, rules.scoring.weights));
    const text = list.length
      ? list
          .map((c) => `${c.id.padEnd(40)} ${c.kind.padEnd(7)} ${c.retiredAt ? "retired" : `w${c.weight}`.padEnd(7)} ${c.question}`)
          .join("\n")
      : "No custom checks yet (add one with delight check add)";
    output(io, values.json, list, text);
    return;
  }
  throw new CliError(USAGE, 2);
}
