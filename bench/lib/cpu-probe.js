// Preloaded (node --import) into every server the benchmark starts: answers the parent's questions about
// this process over the IPC channel, so CPU is read from process.cpuUsage() of the server itself.
if (process.send) {
  process.on('message', (m) => {
    if (!m || m.type !== 'bench:ask') return;
    const value = m.what === 'cpu' ? process.cpuUsage() : process.memoryUsage();
    process.send({ type: 'bench:reply', id: m.id, value });
  });
  // the channel must not keep a server alive once it closes its listener
  process.channel?.unref();
}
