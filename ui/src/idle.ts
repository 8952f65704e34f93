// The idle lock, in the window: after the minutes the administrator set with
// no key pressed and no click, the desk locks at once (the screen is cleared,
// not covered), whether or not a call reaches the core. While the person
// works without calling the core (a long form), the window tells the core
// now and then, so that the core's own lock never takes typed work away.
import { call } from "./api/client";

/** How often the window looks at the time since the last input. */
const TICK_MS = 5_000;
/** At most one "still here" call to the core per minute of activity. */
const HEARTBEAT_MS = 60_000;
const INPUTS = ["keydown", "mousedown", "wheel", "touchstart"] as const;

/** Starts watching; `onIdle` runs once. Returns the function that stops it. */
export function watchIdle(minutes: number, onIdle: () => void): () => void {
  let lastInput = Date.now();
  let lastHeartbeat = Date.now();
  let idleMinutes = minutes;
  const input = (): void => {
    lastInput = Date.now();
    if (lastInput - lastHeartbeat >= HEARTBEAT_MS) {
      lastHeartbeat = lastInput;
      // Any authenticated call counts as activity for the core; this one also
      // brings a changed setting. A locked core answers by locking the window.
      call("lock_settings_get", {}).then(
        (s) => (idleMinutes = s.idle_lock_minutes),
        () => undefined,
      );
    }
  };
  const tick = (): void => {
    if (idleMinutes > 0 && Date.now() - lastInput >= idleMinutes * 60_000) {
      stop();
      onIdle();
    }
  };
  for (const e of INPUTS) document.addEventListener(e, input, { capture: true, passive: true });
  const timer = window.setInterval(tick, TICK_MS);
  function stop(): void {
    window.clearInterval(timer);
    for (const e of INPUTS) document.removeEventListener(e, input, { capture: true });
  }
  return stop;
}
