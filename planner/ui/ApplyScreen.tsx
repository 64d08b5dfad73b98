import { Box, Text } from "ink";

export interface ApplyScreenProps {
  readonly file: string;
  /** Unified diff of the stack file; empty when nothing would change. */
  readonly diff: string;
  /** Set after a write, or when there is nothing to write. */
  readonly message: string | null;
  readonly color: boolean;
}

/** The exact change to Pulumi.<stack>.yaml, shown before it is written. */
export function ApplyScreen({ file, diff, message, color }: ApplyScreenProps) {
  const lines = diff.split("\n").filter((l) => l !== "" && !l.startsWith("Index:") && !l.startsWith("===="));
  return (
    <Box flexDirection="column">
      <Text>{`The change to ${file}:`}</Text>
      <Text> </Text>
      {lines.length === 0 ? (
        <Text>{`${file} already holds this placement.`}</Text>
      ) : (
        lines.map((l, i) => (
          <Text key={i} color={!color ? undefined : l.startsWith("+") ? "green" : l.startsWith("-") ? "red" : undefined}>
            {l}
          </Text>
        ))
      )}
      {message ? (
        <>
          <Text> </Text>
          <Text bold>{message}</Text>
        </>
      ) : null}
    </Box>
  );
}
