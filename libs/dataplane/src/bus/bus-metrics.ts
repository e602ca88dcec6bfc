// OpenTelemetry series of the bus transport: exchanges by side and outcome, and those in flight.
import type { Meter } from '@opentelemetry/api';

export type BusRole = 'caller' | 'responder';

/** How an exchange ended, from one side's view. */
export type BusOutcome =
  'ok' | 'no_responders' | 'timeout' | 'cancelled' | 'peer_gone' | 'broken' | 'unavailable';

export class BusMetrics {
  private readonly exchanges;
  private readonly inflight;

  constructor(meter: Meter) {
    // Exchanges are far fewer than frames, and attribute sets few: the SDK's instruments suffice.
    this.exchanges = meter.createCounter('weft_bus_exchanges', {
      description: 'HTTP exchanges carried over the bus, by side and outcome',
      unit: '{exchange}',
    });
    this.inflight = meter.createUpDownCounter('weft_bus_inflight_exchanges', {
      description: 'Bus exchanges in progress, by side',
      unit: '{exchange}',
    });
  }

  started(role: BusRole): void {
    this.inflight.add(1, { role });
  }

  finished(role: BusRole, outcome: BusOutcome): void {
    this.inflight.add(-1, { role });
    this.exchanges.add(1, { role, outcome });
  }
}
