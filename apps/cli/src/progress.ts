// A spinner on stderr while the CLI waits, only when stderr is a terminal (never in pipes or logs).

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;
const CLEAR_LINE = '\r\x1b[2K';

/** Runs `work` with `label` spinning on stderr; the line is erased when it settles. */
export async function withProgress<T>(label: string, work: () => Promise<T>): Promise<T> {
  const stderr = process.stderr;
  if (!stderr.isTTY) return work();
  let frame = 0;
  const draw = (): void => {
    stderr.write(`${CLEAR_LINE}${FRAMES[frame++ % FRAMES.length]} ${label}`);
  };
  draw();
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    stderr.write(CLEAR_LINE);
  }
}
