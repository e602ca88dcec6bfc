// Unit spec for gRPC status handling: a trailers-only answer's status taken out for trailers.
import { describe, expect, it } from '@jest/globals';
import { takeGrpcStatus } from './grpc-status.js';

describe('takeGrpcStatus', () => {
  it('moves grpc-status, grpc-message and grpc-status-details-bin out of the headers', () => {
    const headers = {
      'content-type': 'application/grpc',
      'grpc-status': '14',
      'grpc-message': 'warming up',
      'grpc-status-details-bin': 'AAAA',
    };
    expect(takeGrpcStatus(headers)).toEqual({
      'grpc-status': '14',
      'grpc-message': 'warming up',
      'grpc-status-details-bin': 'AAAA',
    });
    expect(headers).toEqual({ 'content-type': 'application/grpc' });
  });

  it('leaves headers without a gRPC status alone, grpc-message included', () => {
    const headers = { 'content-type': 'application/grpc', 'grpc-message': 'x' };
    expect(takeGrpcStatus(headers)).toBeUndefined();
    expect(headers).toEqual({ 'content-type': 'application/grpc', 'grpc-message': 'x' });
  });
});
