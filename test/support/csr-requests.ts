// Certificate signing requests as any NATS client can send them to the mesh CA.
import type { NatsConnection } from '@nats-io/transport-node';
import {
  ECDSA_P256,
  generateP256KeyPair,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
} from '@app/protocol/identity/pki.js';

/** A CSR for `uri`, PEM. */
export async function csrFor(uri: string): Promise<string> {
  const request = await Pkcs10CertificateRequestGenerator.create({
    keys: await generateP256KeyPair(),
    signingAlgorithm: ECDSA_P256,
    extensions: [new SubjectAlternativeNameExtension([{ type: 'url', value: uri }])],
  });
  return request.toString('pem');
}

/** Sends a CSR on a sign subject, returning the CA's parsed answer. */
export async function askCa(
  nc: NatsConnection,
  subject: string,
  csr: string,
): Promise<{ chain?: string[]; roots?: string[]; error?: string }> {
  const reply = await nc.request(subject, JSON.stringify({ v: 1, csr }), { timeout: 10_000 });
  return reply.json();
}
