// The control plane as a NATS user issuer: the WEFT account's signing key (WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE) and the account it signs for, read from the control plane's own user.
import { readFile } from 'node:fs/promises';
import { parseCreds } from '@nats-io/jwt';
import { keyFromSeed, type UserIssuer } from '@app/runtime/nats-user-minting.js';

/**
 * The issuer of proxy users. The account is the one the control plane's own user (WEFT_NATS_CREDS)
 * belongs to, so minted users join the account every component connects in, with no second
 * setting to keep in step. Throws naming the setting whose file is wrong.
 */
export async function loadUserIssuer(
  signingKeyFile: string,
  credsFile: string,
): Promise<UserIssuer> {
  let signingKey: ReturnType<typeof keyFromSeed>;
  try {
    signingKey = keyFromSeed(await readFile(signingKeyFile, 'utf8'));
    // Account keys start with A; an operator's (O) or a user's (U) seed signs nothing nats-server takes here.
    if (!signingKey.getPublicKey().startsWith('A')) throw new Error('not an account key seed');
  } catch (err) {
    throw new Error(
      `WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE=${signingKeyFile}: must hold the WEFT account's signing key seed (keys/weft-account-signing.nk of \`weft nats-config\`): ${(err as Error).message}`,
      { cause: err },
    );
  }
  let account: string;
  try {
    const { uc } = await parseCreds(await readFile(credsFile));
    // Signed by a signing key: the account is named apart; signed by the account itself: it is the issuer.
    account = uc.nats.issuer_account ?? uc.iss;
  } catch (err) {
    throw new Error(
      `WEFT_NATS_CREDS=${credsFile}: cannot read the account to mint proxy users in: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return { account, signingKey };
}
