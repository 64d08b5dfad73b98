import { Box, Text } from "ink";
import { SCREENS, SCREEN_TITLES, type ScreenId } from "./state.js";

export interface HelpLineProps {
  /** The screen shown, highlighted in the tab row. */
  readonly screen: ScreenId;
  /** This screen's own keys, e.g. "↑↓ field · enter edit". */
  readonly keys: string;
  readonly color: boolean;
}

/** The tab row on top and the keys at the bottom: every screen has both. */
export function Tabs({ screen, color }: Omit<HelpLineProps, "keys">) {
  return (
    <Box>
      {SCREENS.map((s, i) => (
        <Text key={s} bold={s === screen} inverse={s === screen && color} color={s === screen || !color ? undefined : "gray"}>
          {` ${i + 1} ${SCREEN_TITLES[s]}${s === screen && !color ? "*" : ""} `}
        </Text>
      ))}
    </Box>
  );
}

export function HelpLine({ keys, color }: Omit<HelpLineProps, "screen">) {
  return <Text color={color ? "gray" : undefined} wrap="truncate-end">{`${keys} · tab/←→ screens · 1-5 jump · q quit`}</Text>;
}
