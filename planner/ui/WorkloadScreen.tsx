import { Box, Text } from "ink";
import { FIELDS, fieldValue } from "./state.js";

export interface WorkloadScreenProps {
  readonly raw: Record<string, unknown>;
  readonly field: number;
  /** Text being typed into the selected field, or null. */
  readonly editing: string | null;
  readonly source: string;
  readonly color: boolean;
}

/** The workload's numbers; the selected one can be edited in place. */
export function WorkloadScreen({ raw, field, editing, source, color }: WorkloadScreenProps) {
  const width = Math.max(...FIELDS.map((f) => f.label.length));
  return (
    <Box flexDirection="column">
      <Text>{`Workload from ${source}: edits last until you quit (the file is never written; to keep a value, put it there)`}</Text>
      <Text> </Text>
      {FIELDS.map((f, i) => {
        const selected = i === field;
        const value = selected && editing !== null ? `${editing}_` : String(fieldValue(raw, f.path) ?? "(not set)");
        return (
          <Text key={f.label} bold={selected} color={selected && color ? "cyan" : undefined}>
            {`${selected ? ">" : " "} ${f.label.padEnd(width)}  ${value}`}
          </Text>
        );
      })}
    </Box>
  );
}
