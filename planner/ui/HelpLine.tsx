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

const TAILS = ["tab/←→ screens · 1-5 jump · q quit", "tab/←→ screens · 1-5 · q quit"] as const;

/**
 * The keys line, in `width` columns: the screen's own keys, then the keys of every screen. When it does not fit,
 * the common keys say less ("1-5" for "1-5 jump"), then the screen's own keys are dropped from the right, whole;
 * "q quit" is never cut (Ink's truncation would cut the end of the line, which is where it is).
 */
export function helpText(keys: string, width: number): string {
  const len = (s: string) => [...s].length;
  for (const tail of TAILS) if (len(`${keys} · ${tail}`) <= width) return `${keys} · ${tail}`;
  const tail = TAILS.at(-1)!;
  const groups = keys.split(" · ");
  while (groups.length > 1 && len(`${groups.join(" · ")} · ${tail}`) > width) groups.pop();
  return `${groups.join(" · ")} · ${tail}`;
}

export function HelpLine({ keys, color, width }: Omit<HelpLineProps, "screen"> & { readonly width: number }) {
  return (
    <Text color={color ? "gray" : undefined} wrap="truncate-end">
      {helpText(keys, width)}
    </Text>
  );
}
