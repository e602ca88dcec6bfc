// HTTP over the bus: the frames of one exchange, carried in NATS headers (data frames add raw bytes).
import {
  Equals,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  validateSync,
} from 'class-validator';
import { fail, ok, type Result } from '../field-error.js';
import { parseInto } from '../validation/parse-into.js';

/**
 * Header names of the frame fields. HTTP headers travel beside them as NATS headers of their own
 * name, so request and response headers whose name starts with `Weft-Bus-` are not carried.
 */
export const BUS_HEADER = {
  frame: 'Weft-Bus-Frame',
  method: 'Weft-Bus-Method',
  path: 'Weft-Bus-Path',
  status: 'Weft-Bus-Status',
  body: 'Weft-Bus-Body',
  end: 'Weft-Bus-End',
  window: 'Weft-Bus-Window',
  keepalive: 'Weft-Bus-Keepalive',
  seq: 'Weft-Bus-Seq',
  credit: 'Weft-Bus-Credit',
  reason: 'Weft-Bus-Reason',
} as const;

/** Lower-cased prefix of the reserved header names. */
export const BUS_HEADER_PREFIX = 'weft-bus-';

/** Most data frames a receiver may grant at once: bounds the memory one exchange can hold. */
export const BUS_MAX_WINDOW = 1024;

const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Caller → `rpc.<ns>.<service>`, reply to the caller's exchange inbox: starts an exchange. */
export class BusOpenFrame {
  @Equals('open')
  readonly kind = 'open' as const;

  @Matches(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/, { message: 'method must be an HTTP token' })
  method!: string;

  @IsString()
  @MaxLength(65_536)
  @Matches(/^\/[^\s]*$/, { message: 'path must start with "/" and hold no whitespace' })
  path!: string;

  /** Whether request body frames follow (then the responder answers `accept` with a window). */
  @IsBoolean()
  body!: boolean;

  /** Response data frames the caller accepts before it grants more credit. */
  @IsInt()
  @Min(1)
  @Max(BUS_MAX_WINDOW)
  window!: number;

  /** Both sides send a `ping` after this long without sending; silence far longer means gone. */
  @IsInt()
  @Min(50)
  @Max(600_000)
  keepaliveMs!: number;
}

/** Responder → caller, when the request has a body: where to send it, and how much at first. */
export class BusAcceptFrame {
  @Equals('accept')
  readonly kind = 'accept' as const;

  @IsInt()
  @Min(1)
  @Max(BUS_MAX_WINDOW)
  window!: number;
}

/** Responder → caller: the response status; its HTTP headers travel beside it. */
export class BusHeadFrame {
  @Equals('head')
  readonly kind = 'head' as const;

  @IsInt()
  @Min(200)
  @Max(599)
  status!: number;

  /**
   * A small answer travels whole in its head: a non-empty payload is data frame 1, and `end` says
   * the body ends there (no `end` frame follows).
   */
  @IsOptional()
  @IsBoolean()
  end?: boolean;
}

/** Either way: one body chunk (the NATS payload); `seq` counts data frames from 1, in order. */
export class BusDataFrame {
  @Equals('data')
  readonly kind = 'data' as const;

  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  seq!: number;
}

/** Either way: the body is complete after `seq` data frames. */
export class BusEndFrame {
  @Equals('end')
  readonly kind = 'end' as const;

  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  seq!: number;
}

/** Either way: the receiver consumed data frames; the sender may send `credit` more. */
export class BusCreditFrame {
  @Equals('credit')
  readonly kind = 'credit' as const;

  @IsInt()
  @Min(1)
  @Max(BUS_MAX_WINDOW)
  credit!: number;
}

/** Either way: still here (sent only after `keepaliveMs` without any other frame). */
export class BusPingFrame {
  @Equals('ping')
  readonly kind = 'ping' as const;
}

/** Either way: the exchange is over without an answer (caller gone, timeout, upstream failure). */
export class BusCancelFrame {
  @Equals('cancel')
  readonly kind = 'cancel' as const;

  @IsString()
  @MaxLength(512)
  reason!: string;
}

export type BusFrame =
  | BusOpenFrame
  | BusAcceptFrame
  | BusHeadFrame
  | BusDataFrame
  | BusEndFrame
  | BusCreditFrame
  | BusPingFrame
  | BusCancelFrame;

export type BusFrameKind = BusFrame['kind'];

/** Each kind: its class, and the header carrying each field. */
const KINDS = {
  open: { cls: BusOpenFrame, fields: ['method', 'path', 'body', 'window', 'keepalive'] },
  accept: { cls: BusAcceptFrame, fields: ['window'] },
  head: { cls: BusHeadFrame, fields: ['status', 'end'] },
  data: { cls: BusDataFrame, fields: ['seq'] },
  end: { cls: BusEndFrame, fields: ['seq'] },
  credit: { cls: BusCreditFrame, fields: ['credit'] },
  ping: { cls: BusPingFrame, fields: [] },
  cancel: { cls: BusCancelFrame, fields: ['reason'] },
} as const satisfies Record<
  BusFrameKind,
  { cls: new () => BusFrame; fields: readonly (keyof typeof BUS_HEADER)[] }
>;

/** Fields whose header holds a decimal integer, and the one boolean. */
const NUMERIC = new Set(['window', 'keepalive', 'status', 'seq', 'credit']);
const FIELD_NAME: Partial<Record<keyof typeof BUS_HEADER, string>> = { keepalive: 'keepaliveMs' };

/** Reads one frame from the headers of a NATS message (`get` returns '' for a missing header). */
export function parseBusFrame(get: (header: string) => string, label: string): Result<BusFrame> {
  const kind = get(BUS_HEADER.frame);
  if (!Object.hasOwn(KINDS, kind)) {
    return fail([
      {
        resource: label,
        path: 'frame',
        message: `must be one of ${Object.keys(KINDS).join(', ')}`,
      },
    ]);
  }
  const { cls, fields } = KINDS[kind as BusFrameKind];
  const raw: Record<string, unknown> = {};
  for (const field of fields) {
    const text = get(BUS_HEADER[field]);
    if (text === '') continue;
    const name = FIELD_NAME[field] ?? field;
    if (NUMERIC.has(field)) raw[name] = /^\d{1,16}$/.test(text) ? Number(text) : text;
    else if (field === 'body' || field === 'end')
      raw[name] = text === '1' ? true : text === '0' ? false : text;
    else raw[name] = text;
  }
  // Frames are many and their fields flat: validate the instance as built; only a rejected one
  // goes through parseInto, for its errors with field paths.
  const frame: BusFrame = Object.assign(new cls(), raw);
  if (validateSync(frame, VALIDATION).length === 0) return ok(frame);
  return parseInto<BusFrame>(cls, raw, label);
}

const VALIDATION = { whitelist: true, forbidUnknownValues: true };

/** The header value of a frame's boolean field. */
export function busFlag(value: boolean): string {
  return value ? '1' : '0';
}
