/** True while a process with this pid exists (signal 0 checks without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Calls `onGone` once when the process `pid` no longer exists. Local workers use it to exit when the
 * control plane that started them was killed (kill -9 gives it no chance to stop them, and an orphan
 * would keep taking runs). Polling, because nothing notifies a process of a non-parent's death and the
 * worker may run under a wrapper. Returns the function that stops watching.
 */
export function watchParent(pid: number, onGone: () => void, everyMs = 1000, exists: (pid: number) => boolean = processExists): () => void {
  const timer = setInterval(() => {
    if (exists(pid)) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
