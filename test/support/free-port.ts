// Free TCP ports on 127.0.0.1 for the processes a test starts: the examples' own picker, which
// stays clear of the ports outgoing connections take (scripts/lib/free-port.mjs says why).
export { freePort, freePortRun } from '../../scripts/lib/free-port.mjs';
