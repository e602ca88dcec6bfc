// Name patterns shared by resources and messages (Kubernetes DNS-1123 labels).
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_MESSAGE =
  'must be a lower-case DNS label (a-z, 0-9, "-"; at most 63 characters)';
/** Gateway API Duration: e.g. `10s`, `1m30s`, `500ms`. */
export const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
/** A lower-case DNS name (no wildcard), as ExternalService hosts and TLS server names are. */
export const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
