// Preloaded into every benchmark child (`--import`): when the bench process goes away (its IPC
// channel closes), the child gets SIGTERM and shuts down through its own handler.
if (process.send) {
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep an otherwise finished process alive.
  process.channel?.unref();
}
