// Whether a TCP connection to host:port opens within a time: the app-liveness check and the kubelet's tcpSocket probe, as the proxy makes them.
import { connect } from 'node:net';

/** Resolves undefined once connected (the socket closed at once), or the error that stopped it. */
export function tcpConnect(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => socket.destroy(new Error('connect timed out')));
    socket.once('error', resolve);
  });
}
