import { Box, Text } from "ink";
import { usd } from "../money.js";
import type { PlanResult } from "../placement/plan.js";
import type { State } from "./state.js";

export interface PlacementScreenProps {
  readonly plan: PlanResult;
  /** Rows shown: the allowed regions, in ranking order. */
  readonly rows: PlanResult["ranking"];
  readonly cursor: number;
  readonly pick: State["pick"];
  readonly color: boolean;
}

/** The ranking and the front; the user picks primary and replica (the recommendation is picked to begin with). */
export function PlacementScreen({ plan, rows, cursor, pick, color }: PlacementScreenProps) {
  const rec = plan.recommendation;
  return (
    <Box flexDirection="column">
      {rec ? (
        <Text bold>{`Recommended: ${rec.primary}${rec.replicas.length ? `, replica ${rec.replicas.join(", ")}` : ""} — $${usd(rec.monthlyCost)} a month`}</Text>
      ) : (
        <Text bold color={color ? "red" : undefined}>
          No region meets every constraint
        </Text>
      )}
      {(rec ? rec.reasons : plan.unmet.map((u) => `${u.constraint}: ${u.message}`)).map((r) => (
        <Text key={r}>{`  - ${r}`}</Text>
      ))}
      <Text> </Text>
      <Text bold>{`   ${"region".padEnd(15)} ${"$/month".padStart(9)} ${"weighted".padStart(9)} ${"worst".padStart(7)}  pick  why not`}</Text>
      {rows.map((r, i) => {
        const mark = r.region === pick.primary ? "P" : r.region === pick.replica ? "R" : " ";
        return (
          <Text key={r.region} bold={i === cursor} color={i === cursor && color ? "cyan" : undefined} wrap="truncate-end">
            {`${i === cursor ? ">" : " "}  ${r.region.padEnd(15)} ${(r.monthlyCost ? usd(r.monthlyCost) : "-").padStart(9)} ${`${r.weightedRttMs}${r.estimated ? "*" : ""}`.padStart(9)} ${String(r.worstRttMs).padStart(7)}   ${mark}    ${r.rejectedBecause.join("; ")}`}
          </Text>
        );
      })}
      <Text> </Text>
      <Text>{`Pareto front (cost vs weighted round trip): ${plan.front.join(", ") || "none"}   * estimated`}</Text>
    </Box>
  );
}
