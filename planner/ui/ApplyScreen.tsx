import { Box, Text } from "ink";
import { fitRows } from "./window.js";

export interface ApplyScreenProps {
  readonly file: string;
  /** The stack's name, for the command that shows the whole change. */
  readonly stack: string;
  /** Lines this screen may take; a longer diff is cut, saying how to see all of it. */
  readonly height: number;
  /** Unified diff of the stack file; empty when nothing would change. */
  readonly diff: string;
  /** Set after a write, or when there is nothing to write. */
  readonly message: string | null;
  readonly color: boolean;
}

/** The exact change to Pulumi.<stack>.yaml, shown before it is written. */
export function ApplyScreen({ file, stack, diff, message, height, color }: ApplyScreenProps) {
  const lines = diff.split("\n").filter((l) => l !== "" && !l.startsWith("Index:") && !l.startsWith("===="));
  const window = fitRows(lines, height - 2 - (message ? 2 : 0));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">{`The change to ${file}:`}</Text>
      <Text> </Text>
      {lines.length === 0 ? (
        <Text>{`${file} already holds this placement.`}</Text>
      ) : (
        window.shown.map((l, i) => (
          <Text key={i} color={!color ? undefined : l.startsWith("+") ? "green" : l.startsWith("-") ? "red" : undefined} wrap="truncate-end">
            {l}
          </Text>
        ))
      )}
      {window.hiddenAfter ? (
        <Text wrap="truncate-end">{`… ${window.hiddenAfter} more lines: the whole change is what \`stowage plan --stack ${stack}\` prints`}</Text>
      ) : null}
      {message ? (
        <>
          <Text> </Text>
          <Text bold wrap="truncate-end">
            {message}
          </Text>
        </>
      ) : null}
    </Box>
  );
}
