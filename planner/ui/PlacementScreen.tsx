import { Box, Text } from "ink";
import { usd } from "../../core/money.js";
import type { PlanResult } from "../placement/plan.js";
import type { State } from "./state.js";
import { fitRows, moreNote } from "./window.js";

export interface PlacementScreenProps {
  readonly plan: PlanResult;
  /** Rows shown: the allowed regions, in ranking order. */
  readonly rows: PlanResult["ranking"];
  readonly cursor: number;
  readonly pick: State["pick"];
  /** Lines this screen may take: the ranking scrolls with the cursor inside them. */
  readonly height: number;
  /** Terminal width: the reasons wrap, and the ranking gets the lines they leave. */
  readonly width: number;
  readonly color: boolean;
}

/** The ranking and the front; the user picks primary and replica (the recommendation is picked to begin with). */
export function PlacementScreen({ plan, rows, cursor, pick, height, width, color }: PlacementScreenProps) {
  const rec = plan.recommendation;
  const reasons = rec ? rec.reasons : plan.unmet.map((u) => `${u.constraint}: ${u.message}`);
  // Recommendation, reasons (wrapped), blank, head; blank and the front below the rows.
  const reasonLines = reasons.reduce((n, r) => n + Math.ceil((r.length + 4) / Math.max(20, width)), 0);
  const w = fitRows(rows, Math.max(3, height - 5 - reasonLines), cursor);
  const more = moreNote(w, "↑↓ scrolls");
  return (
    <Box flexDirection="column">
      {rec ? (
        <Text
          bold
          wrap="truncate-end"
        >{`Recommended: ${rec.primary}${rec.replicas.length ? `, replica ${rec.replicas.join(", ")}` : ""} — $${usd(rec.monthlyCost)} a month`}</Text>
      ) : (
        <Text bold color={color ? "red" : undefined}>
          No region meets every constraint
        </Text>
      )}
      {reasons.map((r) => (
        // A reason wraps under its own first word, not to column 0: the bullet is a column of its own.
        <Box key={r}>
          <Text>{"  - "}</Text>
          <Box width={Math.max(16, width - 4)}>
            <Text>{r}</Text>
          </Box>
        </Box>
      ))}
      <Text> </Text>
      <Text bold>{`   ${"region".padEnd(15)} ${"$/month".padStart(9)} ${"weighted".padStart(9)} ${"worst".padStart(7)}  pick  why not`}</Text>
      {w.shown.map((r, j) => {
        const i = w.start + j;
        const mark = r.region === pick.primary ? "P" : r.region === pick.replica ? "R" : " ";
        return (
          <Text key={r.region} bold={i === cursor} color={i === cursor && color ? "cyan" : undefined} wrap="truncate-end">
            {`${i === cursor ? ">" : " "}  ${r.region.padEnd(15)} ${(r.monthlyCost ? usd(r.monthlyCost) : "-").padStart(9)} ${`${r.weightedRttMs}${r.estimated ? "*" : ""}`.padStart(9)} ${String(r.worstRttMs).padStart(7)}   ${mark}    ${r.feasible && r.latencyConfidence === "likely" ? "likely: the estimates' 80% high end misses the limits" : r.rejectedBecause.join("; ")}`}
          </Text>
        );
      })}
      <Text> </Text>
      <Text wrap="truncate-end">{`${more ? `${more} · ` : ""}Pareto front (cost vs weighted round trip): ${plan.front.join(", ") || "none"}   * estimated`}</Text>
    </Box>
  );
}
