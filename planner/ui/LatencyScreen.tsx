import { ProgressBar } from "@inkjs/ui";
import { Box, Text } from "ink";
import type { Place } from "../latency/places.js";
import { estimateRtt } from "../latency/predict.js";
import { findRegion } from "../../core/regions.js";
import type { State } from "./state.js";
import { fitRows, moreNote } from "./window.js";

export interface LatencyScreenProps {
  readonly latency: State["latency"];
  /** Where the estimates are from: the users file's population at this machine (or its first). */
  readonly place: Place;
  /** Lines this screen may take: the regions beyond them are counted, not drawn. */
  readonly height: number;
  readonly color: boolean;
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(1));

/** A live bar per region while probes run, then the regions sorted by round trip with estimate and floor beside. */
export function LatencyScreen({ latency, place, height, color }: LatencyScreenProps) {
  if (latency.phase === "idle") return <Text>Starting probes…</Text>;
  if (latency.phase === "running") {
    // Regions still being probed first: they are the ones moving.
    const running = [...latency.rows].sort((a, b) => Number(!!a.result) - Number(!!b.result));
    const w = fitRows(running, height - 1);
    const done = latency.rows.filter((r) => r.result).length;
    return (
      <Box flexDirection="column">
        <Text wrap="truncate-end">{`Measuring round trips from here (TCP connect to each region's S3 endpoint)… ${done}/${latency.rows.length} done`}</Text>
        {w.shown.map((r) => (
          <Box key={r.region}>
            <Text>{`${r.region.padEnd(15)} `}</Text>
            <Box width={24}>
              <ProgressBar value={(r.done / r.total) * 100} />
            </Box>
            <Text>{` ${r.done}/${r.total} ${r.result ? `${r.result.status}${r.result.rttMs ? ` ${num(r.result.rttMs.median)} ms` : ""}` : ""}`}</Text>
          </Box>
        ))}
        {w.hiddenAfter ? <Text>{`… ${w.hiddenAfter} more regions`}</Text> : null}
      </Box>
    );
  }
  const rows = latency.rows
    .map((r) => {
      const region = findRegion(r.region);
      const e = region ? estimateRtt(place, region) : null;
      return { ...r, estimate: e?.estimateMs ?? null, floor: e?.floorMs ?? null, median: r.result?.rttMs?.median ?? null };
    })
    .sort((a, b) => (a.median ?? a.estimate ?? Infinity) - (b.median ?? b.estimate ?? Infinity));
  const w = fitRows(rows, height - 5);
  const more = moreNote(w, "the full table: stowage latency");
  return (
    <Box flexDirection="column">
      {latency.offline ? (
        <Text color={color ? "yellow" : undefined} wrap="truncate-end">{`No network here: these are estimates from ${place.name}, not measurements.`}</Text>
      ) : (
        <Text wrap="truncate-end">{`Measured from here; estimate and physical floor from ${place.name} beside each.`}</Text>
      )}
      <Text> </Text>
      <Text
        bold
      >{`${"region".padEnd(15)} ${"status".padEnd(11)} ${"median".padStart(7)} ${"p90".padStart(7)} ${"estimate".padStart(9)} ${"floor".padStart(7)}`}</Text>
      {w.shown.map((r) => (
        <Text key={r.region}>
          {`${r.region.padEnd(15)} ${(r.result?.status ?? "-").padEnd(11)} ${num(r.median).padStart(7)} ${num(r.result?.rttMs?.p90).padStart(7)} ${num(r.estimate).padStart(9)} ${num(r.floor).padStart(7)}`}
        </Text>
      ))}
      <Text> </Text>
      <Text wrap="truncate-end">{`round trips in ms${more ? `; ${more}` : ""}`}</Text>
    </Box>
  );
}
