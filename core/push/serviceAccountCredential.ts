// The Firebase credential of a Google service account: a JWT signed with the account's key,
// exchanged at Google's token endpoint for an hour-long access token (google-auth-library's JWT
// client; firebase-admin asks again before expiry). It is what firebase-admin's cert() does, built
// here because cert(keyObject, agent) does not use the agent: firebase-admin passes it to
// google-auth-library only for key files (populateGoogleAuth calls `auth.fromJSON(key)` without its
// client options), so token requests would go to oauth2.googleapis.com whatever FCM_ENDPOINT says.
import type { Agent } from 'node:https';
import type { Credential, GoogleOAuthAccessToken } from 'firebase-admin/app';
import { JWT } from 'google-auth-library';

/** The fields of a Google service-account JSON key that the credential uses. */
export interface ServiceAccountKey {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
}

/** The narrowest scope that sends FCM messages. */
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export class ServiceAccountCredential implements Credential {
  private readonly client: JWT;

  constructor(key: ServiceAccountKey, agent: Agent) {
    this.client = new JWT({
      email: key.client_email,
      key: key.private_key,
      ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
      scopes: [FCM_SCOPE],
      transporterOptions: { agent },
    });
  }

  async getAccessToken(): Promise<GoogleOAuthAccessToken> {
    const { token } = await this.client.getAccessToken();
    const expiry = this.client.credentials.expiry_date;
    if (!token || typeof expiry !== 'number')
      throw new Error('the token endpoint answered without an access token');
    // expiry_date is on the system clock (google-auth-library), and firebase-admin adds expires_in
    // to the system clock: core/clock (possibly shifted) must not come between them.
    // eslint-disable-next-line no-restricted-syntax -- the libraries' clock, see above
    return { access_token: token, expires_in: Math.floor((expiry - Date.now()) / 1000) };
  }
}
